"""Loading: sources (files, directories, stdin) into parsed documents, with bounded costs.

This room imports only ``podwarden.model`` and ``podwarden.errors``.
"""
