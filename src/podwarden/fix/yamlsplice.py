"""The text each edit writes in one YAML document, as a splice (``text[start:end]``
becomes the new text), found from the document's composed nodes: a new key as new lines
after the last entry of its mapping, a changed scalar replacing exactly its own
characters, a list item after the last item, a removal of exactly an entry's lines.
``yamledit`` decides when edits are planned together and makes the splices."""

from __future__ import annotations

from typing import Any

from podwarden.fix.yamlnodes import (
    FixRefused,
    Walk,
    after_line,
    column,
    content_end,
    dash_index,
    is_flow,
    is_null,
    key_column,
    line_start,
    nest,
    only_space_before,
)
from podwarden.fix.yamlrender import Style, block_entry, block_item, flow, literal_lines, scalar
from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath, render

#: (start, end, new text): ``text[start:end]`` becomes the new text
Splice = tuple[int, int, str]


def keeps_style(text: str, walk: Walk, edit: Edit) -> bool:
    """Whether a ``set`` leaves the document's style (``detect_style``) as it was: new
    lines are written in that style and only add to its counts, a scalar replaced in
    place changes none; rewriting a block collection's entry (and removing an entry)
    takes counts away, which can change the most common step."""
    last = walk.nodes[-1]
    return not (len(walk.nodes) - 1 == len(edit.path) and last.id != "scalar" and not is_flow(last, text))


def set_value(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> Splice:
    depth = len(walk.nodes) - 1  # path[:depth] is present
    last = walk.nodes[-1]
    if depth == len(path) or is_null(last):
        # the node at path[:depth] exists: a scalar (or null) to replace, or a collection
        target_depth = depth
        nested = nest(path[target_depth:], value, path)
        return replace_node(text, walk, path[:target_depth], nested, style)
    if last.id != "mapping":
        raise FixRefused(f"{render(path[:depth]) or 'the document'}: not a mapping")
    key = path[depth]
    if not isinstance(key, str):
        raise FixRefused(f"{render(path)}: no such list item")
    return insert_key(text, last, key, nest(path[depth + 1:], value, path), style)


def insert_key(text: str, mapping: Any, key: str, value: Any, style: Style) -> Splice:
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


def replace_node(text: str, walk: Walk, at: FieldPath, value: Any, style: Style) -> Splice:
    node = walk.nodes[len(at)]
    entry = walk.entries[len(at)]
    start, end = node.start_mark.index, node.end_mark.index
    if entry is not None and start == end:  # an empty value: just after its key's colon
        colon = text.find(":", entry[0].end_mark.index)
        if colon < 0:  # an explicit key (``? b``) with no value written
            raise FixRefused(f"{render(at)}: cannot find where this value is written: fix it by hand")
        start = end = colon + 1
    if node.id == "scalar":
        if text[start:start + 1] in ("&", "!") and not is_null(node):
            raise FixRefused(f"{render(at)}: anchored or tagged value: fix it by hand")
        parent = walk.nodes[len(at) - 1] if at else None
        block_parent = parent is not None and parent.id == "mapping" and not is_flow(parent, text)
        if text[start:start + 1] in ("|", ">"):
            # a block scalar's span ends after its line break: keep that and what follows
            end = start + len(text[start:end].rstrip())
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
        rendered = flow(value)
        if start == end and text[start - 1:start] in (":", "-"):  # ``key:`` or a bare ``-``
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


def add_item(text: str, walk: Walk, path: FieldPath, value: Any, style: Style) -> Splice:
    depth = len(walk.nodes) - 1
    node = walk.nodes[-1]
    if depth < len(path) or is_null(node):
        return set_value(text, walk, path, [value], style)
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


def remove_entry(text: str, walk: Walk, path: FieldPath, style: Style) -> Splice | None:
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
            opening = text.index("{" if parent.id == "mapping" else "[", parent.start_mark.index)  # after &anchor
            return opening + 1, parent.end_mark.index - 1, ""
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
