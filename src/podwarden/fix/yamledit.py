"""Edits made in a YAML document's text (see ``yamlfile``): planned together on one
composition of the document where none would see another's change, each written as the
splice ``yamlsplice`` finds for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from podwarden.fix.yamlnodes import (
    FixRefused,
    Walk,
    compose,
    compose_all,
    detect_style,
    is_flow,
    is_null,
    line_start,
    nest,
    shared_nodes,
    walk_path,
)
from podwarden.fix.yamlrender import Style
from podwarden.fix.yamlsplice import Splice, add_item, insert_key, keeps_style, remove_entry, set_value
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath


def edit_yaml(text: str, docs: dict[int, yamlload.Document], edits: dict[int, list[Edit]]) -> str:
    """``text`` with each document's edits made in order; each edit must change the
    document's data (``yamlfile.rewrite`` leaves out those that do not)."""
    roots = _roots(text, docs, edits)
    spans = []
    for index in sorted(edits, reverse=True):  # from the end, so earlier offsets stay valid
        root = roots[index]
        start, end = root.start_mark.index, root.end_mark.index
        spans.append((index, start, end))
    for index, start, end in spans:
        pad = " " * (start - line_start(text, start))  # keeps columns when the root follows '--- '
        piece = _edit_document(pad + text[start:end], edits[index], docs[index])
        text = text[:start] + piece[len(pad):] + text[end:]
    return text


def _edit_document(text: str, edits: list[Edit], doc: yamlload.Document) -> str:
    """One document's text with its edits made in order.

    The document is composed once for a run of edits none of which would see another's
    change: each at a place apart from the others' (inserts at one place only when they add
    different keys to, or items at the end of, one block collection), none removing an
    entry, changing the document's style or touching a flow collection another edit
    touches.  Their splices are made together, from the end; an edit that would see one of
    them has the document composed again first.
    """
    batch = _Batch(text)
    for edit in edits:
        try:
            batch.add(edit)
        except FixRefused as exc:
            if not exc.line:
                exc.line = doc.locate(edit.path)[0]  # the field's line, or its nearest parent's
            raise
    return batch.text()


_NOT_ADDED: Any = object()


class _Planned:
    """An edit's splice, the collection it changes (None: the document), which key of it
    (None: an item at the end of a list), and how deep that collection is; for a key
    added to a block mapping, the value written under it (``_NOT_ADDED`` otherwise)."""

    __slots__ = ("added", "container", "depth", "flow", "key", "splice")

    def __init__(self, splice: Splice, container: Any, key: Any, flow: bool, depth: int,
                 added: Any = _NOT_ADDED) -> None:
        self.splice, self.container, self.key, self.flow, self.depth = splice, container, key, flow, depth
        self.added = added


class _Batch:
    """Edits planned on one composition of a document's text, made when one would conflict."""

    def __init__(self, text: str) -> None:
        self.base = text
        self.root: Any = None
        self.style: Style | None = None
        self.planned: list[_Planned] = []
        self.aliased = "*" in text  # nodes shared through aliases: one edit at a time

    def add(self, edit: Edit) -> None:
        if self.planned and edit.op == "remove":
            self._flush()  # what it removes, and whether it may, depends on every edit before
        if self.root is None:
            self.root = compose(self.base)
            if self.root is None:
                raise FixRefused("empty document")
        if self.style is None:
            self.style = detect_style(self.base, self.root)
        try:
            walk = walk_path(self.root, edit.path, shared_nodes(self.root) if self.aliased else set())
            planned = self._plan(walk, edit, self.style)
        except FixRefused:
            if not self.planned:
                raise
            planned = None  # refused on the text before the edits planned: try it after them
        if planned is not None and planned.added is not _NOT_ADDED and self._merged(planned, edit):
            return
        if self.planned and (planned is None or not self._apart(planned)):
            self._flush()
            self.add(edit)
            return
        if planned is None:  # a removal of what is absent
            return
        self.planned.append(planned)
        kept = edit.op == "add" or (edit.op == "set" and keeps_style(self.base, walk, edit))
        if not kept or planned.container is None or self.aliased or self._block_text(walk, edit):
            self._flush()
            if not kept:
                self.style = None

    def _block_text(self, walk: Walk, edit: Edit) -> bool:
        """Whether ``edit`` writes a block scalar or replaces one: such a scalar's composed
        end takes in the blank lines after it, so what comes next is placed differently."""
        if _multiline(edit.value):
            return True
        if len(walk.nodes) - 1 != len(edit.path):
            return False
        start = walk.nodes[-1].start_mark.index
        return self.base[start:start + 1] in ("|", ">")

    def text(self) -> str:
        self._flush()
        return self.base

    def _plan(self, walk: Walk, edit: Edit, style: Style) -> _Planned | None:
        text, path = self.base, edit.path
        depth = len(walk.nodes) - 1
        last = walk.nodes[-1]
        if edit.op == "remove":
            splice = remove_entry(text, walk, path, style)
            return None if splice is None else _Planned(splice, None, None, False, 0)
        if edit.op == "add" and depth == len(path) and not is_null(last):
            return _Planned(add_item(text, walk, path, edit.value, style), last, None, is_flow(last, text), depth)
        splice = set_value(text, walk, path, edit.value, style) if edit.op == "set" else \
            add_item(text, walk, path, edit.value, style)
        if depth < len(path) and not is_null(last):  # a key added to ``last``
            flow_mapping = is_flow(last, text)
            added = _NOT_ADDED if flow_mapping else nest(path[depth + 1:], edit.value if edit.op == "set"
                                                   else [edit.value], path)
            return _Planned(splice, last, path[depth], flow_mapping, depth, added)
        if not depth:  # the whole document
            return _Planned(splice, None, None, False, 0)
        parent = walk.nodes[-2]
        return _Planned(splice, parent, path[depth - 1], is_flow(parent, text), depth - 1)

    def _merged(self, new: _Planned, edit: Edit) -> bool:
        """Whether ``edit``, which adds a key another planned edit adds to the same block
        mapping, could go into that edit's value instead (as it would go into the lines
        that edit writes, were it made after it)."""
        old = next((p for p in self.planned if p.container is new.container and p.key == new.key
                    and p.added is not _NOT_ADDED), None)
        if old is None:
            return False
        below = edit.path[new.depth + 1:]
        value = _with_edit(old.added, below, edit.op, edit.value)
        if value is None:
            return False
        assert self.style is not None
        old.splice, old.added = insert_key(self.base, old.container, new.key, value, self.style), value
        return True

    def _apart(self, new: _Planned) -> bool:
        """Whether ``new`` can be made together with the edits planned."""
        if new.container is None:
            return False
        start, end, _ = new.splice
        at_open_end = start == len(self.base) and not self.base.endswith("\n")
        for old in self.planned:
            same = old.container is new.container
            if same and (new.flow or (new.key is not None and new.key == old.key)):
                return False
            old_start, old_end, _ = old.splice
            if end < old_start or old_end < start:
                continue
            if start == end == old_start == old_end and not (at_open_end or new.flow or old.flow):
                # both at the end of a block collection: the same one, or one inside the
                # other (its last entry), whose additions go first (``_flush``)
                continue
            return False
        return True

    def _flush(self) -> None:
        if self.planned:
            text = self.base
            # from the end; at one place what goes last goes in first: additions to an inner
            # collection before those to the one around it, one collection's in edit order
            order = sorted(range(len(self.planned)), reverse=True, key=lambda i: (
                self.planned[i].splice[0], self.planned[i].splice[1], -self.planned[i].depth, i))
            for i in order:
                start, end, new = self.planned[i].splice
                text = text[:start] + new + text[end:]
            self.base = text
            self.planned = []
            self.root = None


def _with_edit(data: Any, below: FieldPath, op: str, value: Any) -> Any:
    """``data`` (a value a planned edit writes, in block style) with a set or an add at
    ``below`` made in it, where that gives the lines the edit would write into the planned
    edit's lines; None where it may not (a list item, a scalar or an empty collection on
    the way, a key that is no string, a collection replaced, a multi-line string)."""
    if not below or not isinstance(data, dict) or not data or _multiline(value):
        return None
    top = node = dict(data)
    for depth, part in enumerate(below):
        if not isinstance(part, str) or any(not isinstance(key, str) for key in node):
            return None
        if depth == len(below) - 1:
            present = node.get(part, _NOT_ADDED)
            if op == "set":
                if present is not _NOT_ADDED and (present is None or _multiline(present)
                                                  or isinstance(present, dict | list) or isinstance(value, dict | list)):
                    return None
                node[part] = value
            elif present is _NOT_ADDED:
                node[part] = [value]
            elif isinstance(present, list) and present:
                node[part] = [*present, value]
            else:
                return None
            return top
        child = node.get(part, _NOT_ADDED)
        if child is _NOT_ADDED:
            rest = below[depth + 1:]
            if any(not isinstance(p, str) for p in rest):
                return None
            node[part] = nest(rest, value if op == "set" else [value], below)
            return top
        if not isinstance(child, dict) or not child:
            return None
        node[part] = node = dict(child)
    return None


def _multiline(value: Any) -> bool:
    """Whether ``value`` is or holds (keys too) a string of several lines."""
    if isinstance(value, str):
        return "\n" in value
    if isinstance(value, dict):
        return any(_multiline(k) or _multiline(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_multiline, value))
    return False


def _roots(text: str, docs: dict[int, yamlload.Document], edits: dict[int, list[Edit]]) -> Any:
    """The root node of each edited document (by index): the parse's own when libyaml read
    the whole text (nodes in hand), else composed again."""
    roots: dict[int, Any] = {}
    for index in edits:
        doc = docs[index]
        if doc.prefix or not isinstance(doc.node, yaml.Node):
            return compose_all(text)
        roots[index] = doc.node
    return roots


def ordered(edits: Iterable[Edit]) -> list[Edit]:
    """Sets and adds in order, then removals from the highest list index down."""
    keep = [e for e in edits if e.op != "remove"]
    removes = [e for e in edits if e.op == "remove"]
    removes.sort(key=lambda e: tuple((1, p) if isinstance(p, int) else (0, 0) for p in e.path), reverse=True)
    return keep + removes
