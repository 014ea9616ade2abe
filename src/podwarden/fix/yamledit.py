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
        piece = pad + text[start:end]
        doc = docs[index]
        style: Style | None = None
        for edit in edits[index]:
            try:
                piece, style = _apply_one(piece, edit, style)
            except FixRefused as exc:
                if not exc.line:
                    exc.line = doc.locate(edit.path)[0]  # the field's line, or its nearest parent's
                raise
        text = text[:start] + piece[len(pad):] + text[end:]
    return text


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


def _apply_one(text: str, edit: Edit, style: Style | None = None) -> tuple[str, Style | None]:
    """``text`` (one document) with ``edit`` made, and the document's style if the edit
    kept it (None: detect it again).  ``style``: the text's, when known."""
    root = compose(text)
    if root is None:
        raise FixRefused("empty document")
    if style is None:
        style = detect_style(text, root)
    walk = walk_path(root, edit.path, shared_nodes(root) if "*" in text else set())  # no alias without '*'
    if edit.op == "set":
        return _set(text, walk, edit.path, edit.value, style), style if _keeps_style(text, walk, edit) else None
    if edit.op == "add":
        return _add(text, walk, edit.path, edit.value, style), style
    return _remove(text, walk, edit.path, style), None


def _keeps_style(text: str, walk: Walk, edit: Edit) -> bool:
    """Whether a ``set`` leaves the document's style (``detect_style``) as it was: new
    lines are written in that style and only add to its counts, a scalar replaced in
    place changes none; rewriting a block collection's entry (and removing an entry)
    takes counts away, which can change the most common step."""
    last = walk.nodes[-1]
    return not (len(walk.nodes) - 1 == len(edit.path) and last.id != "scalar" and not is_flow(last, text))


def _set(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> str:
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


def _insert_key(text: str, mapping: Any, key: str, value: Any, style: Style) -> str:
    if is_flow(mapping, text):
        close = mapping.end_mark.index - 1
        if not mapping.value:
            return text[:close] + f"{scalar(key)}: {flow(value)}" + text[close:]
        pos = content_end(mapping.value[-1][1])
        return text[:pos] + f", {scalar(key)}: {flow(value)}" + text[pos:]
    col = key_column(text, mapping.value[0][0])
    pos = after_line(text, content_end(mapping.value[-1][1]))
    lines = block_entry(key, value, col, style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and text and not text.endswith("\n"):
        block = style.newline + block
    return text[:pos] + block + text[pos:]


def _replace(text: str, walk: Walk, at: FieldPath, value: Any, style: Style) -> str:
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
            head = text[:start].rstrip(" \t")
            rest = text[end:]
            line_end = rest.find("\n")
            tail_of_line = rest if line_end < 0 else rest[:line_end + 1]
            after = "" if line_end < 0 else rest[line_end + 1:]
            if not tail_of_line.endswith("\n"):
                tail_of_line += style.newline
            return head + tail_of_line + style.newline.join(lines) + style.newline + after
        literal = literal_lines(value, entry[0].start_mark.column + style.step) if entry else None
        if block_parent and literal is not None and text[start:start + 1] in ("|", ">"):
            # a block scalar replaced by a block scalar: up to its last non-blank line,
            # so blank lines after it stay
            finish = after_line(text, start + len(text[start:end].rstrip()))
            return text[:start] + style.newline.join(literal) + style.newline + text[finish:]
        if text[start:start + 1] in ("|", ">"):
            # a block scalar's span ends after its line break: keep that and what follows
            end = start + len(text[start:end].rstrip())
        rendered = flow(value)
        if start == end and text[start - 1:start] == ":":
            rendered = " " + rendered
        return text[:start] + rendered + text[end:]
    if is_flow(node, text):
        return text[:start] + flow(value) + text[end:]
    # a block collection: rewrite its whole entry in place
    if entry is None or not only_space_before(text, entry[0].start_mark.index):
        raise FixRefused(f"{render(at)}: cannot rewrite this block in place: fix it by hand")
    key_node = entry[0]
    begin = line_start(text, key_node.start_mark.index)
    finish = after_line(text, content_end(node))
    lines = block_entry(str(at[-1]), value, key_node.start_mark.column, style)
    return text[:begin] + style.newline.join(lines) + style.newline + text[finish:]


def _add(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> str:
    depth = len(walk.nodes) - 1
    node = walk.nodes[-1]
    if depth < len(path) or is_null(node):
        return _set(text, walk, path, [value], style)
    if node.id != "sequence":
        raise FixRefused(f"{render(path)}: not a list")
    if is_flow(node, text):
        close = node.end_mark.index - 1
        if not node.value:
            return text[:close] + flow(value) + text[close:]
        pos = content_end(node.value[-1])
        return text[:pos] + ", " + flow(value) + text[pos:]
    dash = dash_index(text, node.value[0])
    if dash is None:
        raise FixRefused(f"{render(path)}: cannot find where this list is written")
    pos = after_line(text, content_end(node.value[-1]))
    lines = block_item(value, column(text, dash), style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and not text.endswith("\n"):
        block = style.newline + block
    return text[:pos] + block + text[pos:]


def _remove(text: str, walk: Walk, path: FieldPath, style: Style) -> str:
    if len(walk.nodes) - 1 < len(path):
        return text
    parent = walk.nodes[-2]
    node = walk.nodes[-1]
    entry = walk.entries[-1]
    if is_flow(parent, text):
        items = parent.value
        index = next(i for i, item in enumerate(items) if (item[1] if parent.id == "mapping" else item) is node)
        first = items[index][0] if parent.id == "mapping" else items[index]
        if len(items) == 1:
            return text[:parent.start_mark.index + 1] + text[parent.end_mark.index - 1:]
        if index == 0:
            nxt = items[1][0] if parent.id == "mapping" else items[1]
            return text[:first.start_mark.index] + text[nxt.start_mark.index:]
        prev = items[index - 1][1] if parent.id == "mapping" else items[index - 1]
        return text[:content_end(prev)] + text[content_end(node):]
    if len(parent.value) == 1:
        raise FixRefused(f"{render(path)}: removing the only entry would change its type: fix it by hand")
    begin_at = entry[0].start_mark.index if entry is not None else dash_index(text, node)
    if begin_at is None or not only_space_before(text, begin_at):
        raise FixRefused(f"{render(path)}: cannot remove this entry in place: fix it by hand")
    begin = line_start(text, begin_at)
    finish = after_line(text, content_end(node))
    return text[:begin] + text[finish:]
