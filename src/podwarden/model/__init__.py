"""The data model: objects, field paths, pod views and the cross-resource index.

This room imports nothing else from podwarden but ``podwarden.errors``.
"""
