"""Edits made in a YAML document's text: a new key as new lines after the last entry of
its mapping, a changed scalar replacing exactly its own characters, a list item after the
last item, a removal of exactly an entry's lines (see ``yamlfile``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from podwarden.fix.yamlnodes import (
    FixRefused,
    Walk,
    after_line,
    column,
    compose,
    compose_all,
    content_end,
    dash_index,
    detect_style,
    is_flow,
    is_null,
    key_column,
    line_start,
    nest,
    only_space_before,
    shared_nodes,
    walk_path,
)
from podwarden.fix.yamlrender import Style, block_entry, block_item, flow, literal_lines, scalar
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath, render


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


#: (start, end, new text): ``text[start:end]`` becomes the new text
Splice = tuple[int, int, str]


class _Planned:
    """An edit's splice, the collection it changes (None: the document), which key of it
    (None: an item at the end of a list), and how deep that collection is; for a key
    added to a block mapping, the value written under it (``_NOT_ADDED`` otherwise)."""

    __slots__ = ("added", "container", "depth", "flow", "key", "splice")

    def __init__(self, splice: Splice, container: Any, key: Any, flow: bool, depth: int,
                 added: Any = None) -> None:
        self.splice, self.container, self.key, self.flow, self.depth = splice, container, key, flow, depth
        self.added = _NOT_ADDED if added is None else added


_NOT_ADDED: Any = object()


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
        keeps_style = edit.op == "add" or (edit.op == "set" and _keeps_style(self.base, walk, edit))
        if not keeps_style or planned.container is None or self.aliased:
            self._flush()
            if not keeps_style:
                self.style = None

    def text(self) -> str:
        self._flush()
        return self.base

    def _plan(self, walk: Walk, edit: Edit, style: Style) -> _Planned | None:
        text, path = self.base, edit.path
        depth = len(walk.nodes) - 1
        last = walk.nodes[-1]
        if edit.op == "remove":
            splice = _remove(text, walk, path, style)
            return None if splice is None else _Planned(splice, None, None, False, 0)
        if edit.op == "add" and depth == len(path) and not is_null(last):
            return _Planned(_add(text, walk, path, edit.value, style), last, None, is_flow(last, text), depth)
        splice = _set(text, walk, path, edit.value, style) if edit.op == "set" else \
            _add(text, walk, path, edit.value, style)
        if depth < len(path) and not is_null(last):  # a key added to ``last``
            flow_mapping = is_flow(last, text)
            added = None if flow_mapping else nest(path[depth + 1:], edit.value if edit.op == "set"
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
        old.splice, old.added = _insert_key(self.base, old.container, new.key, value, self.style), value
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
    the way, a collection replaced, a multi-line string)."""
    if not below or not isinstance(data, dict) or not data or _multiline(value):
        return None
    top = node = dict(data)
    for depth, part in enumerate(below):
        if not isinstance(part, str):
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
    return isinstance(value, str) and "\n" in value


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


def _keeps_style(text: str, walk: Walk, edit: Edit) -> bool:
    """Whether a ``set`` leaves the document's style (``detect_style``) as it was: new
    lines are written in that style and only add to its counts, a scalar replaced in
    place changes none; rewriting a block collection's entry (and removing an entry)
    takes counts away, which can change the most common step."""
    last = walk.nodes[-1]
    return not (len(walk.nodes) - 1 == len(edit.path) and last.id != "scalar" and not is_flow(last, text))


def _set(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> Splice:
    depth = len(walk.nodes) - 1  # path[:depth] is present
    last = walk.nodes[-1]
    if depth == len(path) or is_null(last):
        # the node at path[:depth] exists: a scalar (or null) to replace, or a collection
        target_depth = depth
        nested = nest(path[target_depth:], value, path)
        return _replace(text, walk, path[:target_depth], nested, style)
    if last.id != "mapping":
        raise FixRefused(f"{render(path[:depth]) or 'the document'}: not a mapping")
    key = path[depth]
    if not isinstance(key, str):
        raise FixRefused(f"{render(path)}: no such list item")
    return _insert_key(text, last, key, nest(path[depth + 1:], value, path), style)


def _insert_key(text: str, mapping: Any, key: str, value: Any, style: Style) -> Splice:
    if is_flow(mapping, text):
        close = mapping.end_mark.index - 1
        if not mapping.value:
            return close, close, f"{scalar(key)}: {flow(value)}"
        pos = content_end(mapping.value[-1][1])
        return pos, pos, f", {scalar(key)}: {flow(value)}"
    col = key_column(text, mapping.value[0][0])
    pos = after_line(text, content_end(mapping.value[-1][1]))
    lines = block_entry(key, value, col, style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and text and not text.endswith("\n"):
        block = style.newline + block
    return pos, pos, block


def _replace(text: str, walk: Walk, at: FieldPath, value: Any, style: Style) -> Splice:
    node = walk.nodes[len(at)]
    entry = walk.entries[len(at)]
    start, end = node.start_mark.index, node.end_mark.index
    if entry is not None and start == end:  # an empty value: just after its key's colon
        start = end = text.index(":", entry[0].end_mark.index) + 1
    if node.id == "scalar":
        if text[start:start + 1] in ("&", "!") and not is_null(node):
            raise FixRefused(f"{render(at)}: anchored or tagged value: fix it by hand")
        parent = walk.nodes[len(at) - 1] if at else None
        block_parent = parent is not None and parent.id == "mapping" and not is_flow(parent, text)
        if block_parent and entry is not None and isinstance(value, dict | list) and value:
            # ``key:`` (null) or ``key: ~`` becomes ``key:`` + an indented block below
            key_node = entry[0]
            col = key_node.start_mark.column
            lines = block_entry(str(at[-1]), value, col, style)[1:]
            head_end = len(text[:start].rstrip(" \t"))
            rest = text[end:]
            line_end = rest.find("\n")
            tail_of_line = rest if line_end < 0 else rest[:line_end + 1]
            if not tail_of_line.endswith("\n"):
                tail_of_line += style.newline
            return (head_end, len(text) if line_end < 0 else end + line_end + 1,
                    tail_of_line + style.newline.join(lines) + style.newline)
        literal = literal_lines(value, entry[0].start_mark.column + style.step) if entry else None
        if block_parent and literal is not None and text[start:start + 1] in ("|", ">"):
            # a block scalar replaced by a block scalar: up to its last non-blank line,
            # so blank lines after it stay
            finish = after_line(text, start + len(text[start:end].rstrip()))
            return start, finish, style.newline.join(literal) + style.newline
        if text[start:start + 1] in ("|", ">"):
            # a block scalar's span ends after its line break: keep that and what follows
            end = start + len(text[start:end].rstrip())
        rendered = flow(value)
        if start == end and text[start - 1:start] == ":":
            rendered = " " + rendered
        return start, end, rendered
    if is_flow(node, text):
        return start, end, flow(value)
    # a block collection: rewrite its whole entry in place
    if entry is None or not only_space_before(text, entry[0].start_mark.index):
        raise FixRefused(f"{render(at)}: cannot rewrite this block in place: fix it by hand")
    key_node = entry[0]
    begin = line_start(text, key_node.start_mark.index)
    finish = after_line(text, content_end(node))
    lines = block_entry(str(at[-1]), value, key_node.start_mark.column, style)
    return begin, finish, style.newline.join(lines) + style.newline


def _add(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> Splice:
    depth = len(walk.nodes) - 1
    node = walk.nodes[-1]
    if depth < len(path) or is_null(node):
        return _set(text, walk, path, [value], style)
    if node.id != "sequence":
        raise FixRefused(f"{render(path)}: not a list")
    if is_flow(node, text):
        close = node.end_mark.index - 1
        if not node.value:
            return close, close, flow(value)
        pos = content_end(node.value[-1])
        return pos, pos, ", " + flow(value)
    dash = dash_index(text, node.value[0])
    if dash is None:
        raise FixRefused(f"{render(path)}: cannot find where this list is written")
    pos = after_line(text, content_end(node.value[-1]))
    lines = block_item(value, column(text, dash), style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and not text.endswith("\n"):
        block = style.newline + block
    return pos, pos, block


def _remove(text: str, walk: Walk, path: FieldPath, style: Style) -> Splice | None:
    if len(walk.nodes) - 1 < len(path):
        return None
    parent = walk.nodes[-2]
    node = walk.nodes[-1]
    entry = walk.entries[-1]
    if is_flow(parent, text):
        items = parent.value
        index = next(i for i, item in enumerate(items) if (item[1] if parent.id == "mapping" else item) is node)
        first = items[index][0] if parent.id == "mapping" else items[index]
        if len(items) == 1:
            return parent.start_mark.index + 1, parent.end_mark.index - 1, ""
        if index == 0:
            nxt = items[1][0] if parent.id == "mapping" else items[1]
            return first.start_mark.index, nxt.start_mark.index, ""
        prev = items[index - 1][1] if parent.id == "mapping" else items[index - 1]
        return content_end(prev), content_end(node), ""
    if len(parent.value) == 1:
        raise FixRefused(f"{render(path)}: removing the only entry would change its type: fix it by hand")
    begin_at = entry[0].start_mark.index if entry is not None else dash_index(text, node)
    if begin_at is None or not only_space_before(text, begin_at):
        raise FixRefused(f"{render(path)}: cannot remove this entry in place: fix it by hand")
    begin = line_start(text, begin_at)
    finish = after_line(text, content_end(node))
    return begin, finish, ""
