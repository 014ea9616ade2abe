"""Edits to RFC 6902 JSONPatch: what the mutating webhook sends back to the API server.

``PatchBuilder`` applies ``Edit``s (and raw operations) to a working copy of the object
and records the fewest operations that reproduce them: a ``set`` under missing parents
becomes one ``add`` of a nested value, items added inside something this builder created
are folded into that value, and edits that change nothing produce nothing, so patching
an already-patched object yields an empty patch.
"""

from __future__ import annotations

import copy
import marshal
from collections.abc import Iterable
from typing import Any

from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath, render

Operation = dict[str, Any]


class PatchError(Exception):
    """An edit cannot be expressed against this object (e.g. a list index that is absent)."""


def pointer(path: FieldPath) -> str:
    """RFC 6901 JSON pointer of a field path: ``("a/b", 0)`` -> ``/a~1b/0``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def copy_data(value: Any) -> Any:
    """A deep copy of parsed JSON or YAML data; a marshal round trip is exact for JSON's
    types and several times faster than ``copy.deepcopy`` (the webhook copies every pod)."""
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:  # YAML timestamps, binary: not marshal's types
        return copy.deepcopy(value)


class PatchBuilder:
    """Collects the JSONPatch equivalent of a sequence of edits against ``document``."""

    def __init__(self, document: Any) -> None:
        self.document = copy_data(document)
        self.ops: list[Operation] = []
        #: how many times the working copy changed: an edit that leaves it as it was adds none
        self.changes = 0
        #: containers added by this builder (by id, objects kept alive): edits inside them
        #: change the value of the operation that added them instead of adding operations
        self._created: dict[int, Any] = {}

    # -- public -------------------------------------------------------------------------

    def apply(self, edit: Edit) -> None:
        """Apply one edit to the working copy and record the operations it needs."""
        if not edit.path:
            raise PatchError("an edit needs a non-empty path")
        value = copy_data(edit.value)
        if edit.op == "set":
            self._set(edit.path, value)
        elif edit.op == "add":
            self._add_item(edit.path, value)
        elif edit.op == "remove":
            self._remove(edit.path)
        else:  # pragma: no cover - Edit's type forbids it
            raise PatchError(f"unknown edit op {edit.op!r}")

    def apply_all(self, edits: Iterable[Edit]) -> None:
        for edit in edits:
            self.apply(edit)

    # -- edits --------------------------------------------------------------------------

    def _set(self, path: FieldPath, value: Any) -> None:
        parent, depth = self._walk(path[:-1])
        if depth < len(path) - 1:  # parents missing from path[depth] on: add them nested
            nested = value
            for part in reversed(path[depth + 1:]):
                if isinstance(part, int):
                    raise PatchError(f"{render(path)}: cannot create list item {part}")
                nested = {part: nested}
            self._write(parent, path[:depth + 1], nested)
            return
        key = path[-1]
        if isinstance(parent, dict):
            if isinstance(key, int):
                raise PatchError(f"{render(path)}: index into a mapping")
            if key in parent and parent[key] == value:
                return
            self._write(parent, path, value)
        elif isinstance(parent, list):
            if not isinstance(key, int) or not 0 <= key < len(parent):
                raise PatchError(f"{render(path)}: no such list item")
            if parent[key] == value:
                return
            self._write(parent, path, value)
        else:
            raise PatchError(f"{render(path)}: parent is not a mapping or list")

    def _add_item(self, path: FieldPath, value: Any) -> None:
        parent, depth = self._walk(path[:-1])
        current = parent.get(path[-1]) if depth == len(path) - 1 and isinstance(parent, dict) else None
        if current is None:
            self._set(path, [value])
            return
        if not isinstance(current, list):
            raise PatchError(f"{render(path)}: not a list")
        if value in current:
            return
        current.append(value)
        self.changes += 1
        self._mark(value)
        if id(current) not in self._created:
            self.ops.append({"op": "add", "path": pointer(path) + "/-", "value": value})

    def _remove(self, path: FieldPath) -> None:
        parent, depth = self._walk(path[:-1])
        if depth < len(path) - 1:
            return
        key = path[-1]
        present = (isinstance(parent, dict) and key in parent) or (
            isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent)
        )
        if not present:
            return
        del parent[key]
        self.changes += 1
        if id(parent) not in self._created:
            self.ops.append({"op": "remove", "path": pointer(path)})

    # -- helpers ------------------------------------------------------------------------

    def _walk(self, path: FieldPath) -> tuple[Any, int]:
        """The deepest present container along ``path`` and how many parts were present.

        A key holding null counts as absent, as Kubernetes reads it.
        """
        node = self.document
        for depth, part in enumerate(path):
            if isinstance(node, dict) and isinstance(part, str):
                child = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                child = node[part]
            else:
                raise PatchError(f"{render(path)}: cannot walk through {render(path[:depth + 1])}")
            if child is None:
                return node, depth
            if not isinstance(child, dict | list):
                raise PatchError(f"{render(path[:depth + 1])}: is a scalar, not a mapping or list")
            node = child
        return node, len(path)

    def _write(self, parent: Any, path: FieldPath, value: Any) -> None:
        key = path[-1]
        if isinstance(parent, dict):
            existed = key in parent
            parent[key] = value
        else:
            existed = True
            parent[key] = value
        self.changes += 1
        self._mark(value)
        if id(parent) in self._created:
            return
        self.ops.append({"op": "replace" if existed else "add", "path": pointer(path), "value": value})

    def _mark(self, value: Any) -> None:
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                self._created[id(item)] = item
                stack.extend(item.values())
            elif isinstance(item, list):
                self._created[id(item)] = item
                stack.extend(item)


def edits_to_patch(document: Any, edits: Iterable[Edit]) -> list[Operation]:
    """The JSONPatch that applies ``edits`` to ``document`` (which is not changed)."""
    builder = PatchBuilder(document)
    builder.apply_all(edits)
    return copy_data(builder.ops)


def apply_patch(document: Any, ops: Iterable[Operation]) -> Any:
    """Apply RFC 6902 ``add``, ``remove``, ``replace`` and ``test`` to a copy of ``document``."""
    doc = copy.deepcopy(document)
    for op in ops:
        parts = _parse_pointer(op["path"])
        if not parts:
            if op["op"] in ("add", "replace"):
                doc = copy.deepcopy(op["value"])
                continue
            raise PatchError(f"cannot {op['op']} the whole document")
        parent = doc
        for token in parts[:-1]:
            parent = _step(parent, token, op["path"])
        last = parts[-1]
        kind = op["op"]
        if isinstance(parent, dict):
            if kind == "add":
                parent[last] = copy.deepcopy(op["value"])
            elif kind in ("remove", "replace", "test"):
                if last not in parent:
                    raise PatchError(f"{op['path']}: no such member")
                if kind == "remove":
                    del parent[last]
                elif kind == "replace":
                    parent[last] = copy.deepcopy(op["value"])
                elif parent[last] != op["value"]:
                    raise PatchError(f"{op['path']}: test failed")
            else:
                raise PatchError(f"unsupported op {kind!r}")
        elif isinstance(parent, list):
            if kind == "add" and last == "-":
                parent.append(copy.deepcopy(op["value"]))
                continue
            index = _index(last, op["path"])
            if kind == "add":
                if index > len(parent):
                    raise PatchError(f"{op['path']}: index out of range")
                parent.insert(index, copy.deepcopy(op["value"]))
                continue
            if index >= len(parent):
                raise PatchError(f"{op['path']}: index out of range")
            if kind == "remove":
                del parent[index]
            elif kind == "replace":
                parent[index] = copy.deepcopy(op["value"])
            elif kind == "test":
                if parent[index] != op["value"]:
                    raise PatchError(f"{op['path']}: test failed")
            else:
                raise PatchError(f"unsupported op {kind!r}")
        else:
            raise PatchError(f"{op['path']}: parent is a scalar")
    return doc


def _parse_pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise PatchError(f"bad JSON pointer {text!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/")]


def _index(token: str, where: str) -> int:
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"{where}: bad list index {token!r}")
    return int(token)


def _step(node: Any, token: str, where: str) -> Any:
    if isinstance(node, dict):
        if token not in node:
            raise PatchError(f"{where}: no member {token!r}")
        return node[token]
    if isinstance(node, list):
        index = _index(token, where)
        if index >= len(node):
            raise PatchError(f"{where}: index out of range")
        return node[index]
    raise PatchError(f"{where}: cannot walk into a scalar")
