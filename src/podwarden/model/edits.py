"""Edits: what a fixer asks to change, on object-relative paths.

One list of edits serves two appliers: ``podwarden fix`` applies them to a
comment-preserving YAML tree, the mutating webhook turns them into RFC 6902 JSONPatch.
"""

from __future__ import annotations

from typing import Any, Literal

from podwarden.model.paths import FieldPath, render
from podwarden.model.record import Record


class Edit(Record):
    """``set`` a value (creating missing parent mappings), ``add`` an item to a list
    unless present (creating the list), or ``remove`` a key or list item."""

    __slots__ = ("op", "path", "value")
    _fields = ("op", "path", "value")
    op: Literal["set", "add", "remove"]
    path: FieldPath
    value: Any

    def __init__(self, op: Literal["set", "add", "remove"], path: FieldPath, value: Any = None) -> None:
        put = object.__setattr__
        put(self, "op", op)
        put(self, "path", path)
        put(self, "value", value)

    @classmethod
    def set(cls, path: FieldPath, value: Any) -> Edit:
        return cls("set", path, value)

    @classmethod
    def add(cls, path: FieldPath, value: Any) -> Edit:
        return cls("add", path, value)

    @classmethod
    def remove(cls, path: FieldPath) -> Edit:
        return cls("remove", path)

    def __str__(self) -> str:
        if self.op == "remove":
            return f"remove {render(self.path)}"
        return f"{self.op} {render(self.path)} = {self.value!r}"
