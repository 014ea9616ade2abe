"""Rules: one module per rule, grouped by family (``pss``, ``hardening``, ...).

Rule modules import only ``podwarden.rules.api``.
"""
