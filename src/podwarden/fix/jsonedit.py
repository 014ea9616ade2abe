"""Edits made in a JSON file's text at the edited values' own characters: every byte
outside them (spacing, escapes such as ``\\/``, key order, line ends) stays as it was.

A new member goes after its object's last member (on a line of its own, indented like
that member, when the members are on lines of their own; else on the same line); a new
list item likewise after the last item; a changed value replaces exactly its characters;
a removed member or item goes with its comma.  New values are written as the file writes
JSON: its indentation unit, its separators, ``\\u`` escapes when the file uses them.
``yamlfile`` checks that the result parses to exactly the intended data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.fix.yamlnodes import FixRefused, nest
from podwarden.model.edits import Edit
from podwarden.model.paths import render

_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_SPACE = " \t\n\r"
_KEY_FIRST = re.compile(r'[ \t]*(?:"(?:[^"\\]|\\.)*"[ \t]*:[ \t]*)?')


@dataclass(slots=True)
class Node:
    """A JSON value and where it is written: ``text[start:end]``.  ``keys``: for an object,
    the start of each member's key; ``children``: the members' values or the items."""

    kind: str  # "object", "array" or "scalar"
    start: int
    end: int
    value: Any = None
    keys: list[tuple[str, int]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


class _Parser:
    """JSON to ``Node``s (the file was read as strict JSON already: errors are refusals)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in _SPACE:
            i += 1
        return i

    def value(self, i: int) -> Node:
        i = self.skip(i)
        ch = self.text[i:i + 1]
        if ch == "{":
            return self.collection(i, "object", "}")
        if ch == "[":
            return self.collection(i, "array", "]")
        if ch == '"':
            end = self.string_end(i)
            return Node("scalar", i, end, json.loads(self.text[i:end]))
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, i):
                return Node("scalar", i, i + len(word), literal)
        match = _NUMBER.match(self.text, i)
        if not match:
            raise FixRefused("not JSON this fix can edit in place", line_of(self.text, i))
        return Node("scalar", i, match.end(), json.loads(match.group()))

    def collection(self, i: int, kind: str, close: str) -> Node:
        node = Node(kind, i, i)
        i = self.skip(i + 1)
        seen: set[str] = set()
        while self.text[i:i + 1] != close:
            if node.children:
                i = self.expect(i, ",")
            if kind == "object":
                i = self.skip(i)
                after = self.string_end(i)
                key = json.loads(self.text[i:after])
                if key in seen:
                    raise FixRefused("JSON with a duplicate key: cannot be rewritten without losing it",
                                     line_of(self.text, i))
                seen.add(key)
                node.keys.append((key, i))
                i = self.expect(after, ":")
            child = self.value(i)
            node.children.append(child)
            i = self.skip(child.end)
        node.end = i + 1
        return node

    def string_end(self, i: int) -> int:
        match = _STRING.match(self.text, i)
        if not match:
            raise FixRefused("not JSON this fix can edit in place", line_of(self.text, i))
        return match.end()

    def expect(self, i: int, char: str) -> int:
        i = self.skip(i)
        if self.text[i:i + 1] != char:
            raise FixRefused("not JSON this fix can edit in place", line_of(self.text, i))
        return i + 1


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


@dataclass(slots=True)
class _Style:
    """How the file writes JSON: indentation unit (None: all on one line), separators, line end."""

    unit: str | None
    item_sep: str
    key_sep: str
    newline: str
    ascii_only: bool

    @classmethod
    def of(cls, text: str) -> _Style:
        match = re.search(r"\n([ \t]+)\S", text)
        spaced = len(re.findall(r",[ ]", text)) >= len(re.findall(r",[^\s]", text))
        return cls(unit=match.group(1) if match else None, item_sep=", " if spaced else ",",
                   key_sep=": " if '": ' in text or '":' not in text else ":",
                   newline="\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n",
                   ascii_only=text.isascii() and "\\u" in text)

    def inline(self, value: Any) -> str:
        return json.dumps(value, separators=(self.item_sep, self.key_sep), ensure_ascii=self.ascii_only)

    def block(self, value: Any, indent: str) -> str:
        """``value`` over several lines, its continuation lines after ``indent``."""
        if self.unit is None:
            return self.inline(value)
        out = json.dumps(value, indent=self.unit, separators=(",", self.key_sep), ensure_ascii=self.ascii_only)
        return out.replace("\n", self.newline + indent)


def edit_json(text: str, edits: Sequence[Edit]) -> str:
    """``text`` (one JSON document) with each edit made in order."""
    style = _Style.of(text)
    for edit in edits:
        root = _Parser(text).value(0)
        text = _apply(text, root, edit, style)
    return text


def _apply(text: str, root: Node, edit: Edit, style: _Style) -> str:
    path = edit.path
    chain = [root]
    node = root
    for part in path:
        if node.kind == "object" and isinstance(part, str):
            index = next((k for k, (key, _) in enumerate(node.keys) if key == part), None)
        elif node.kind == "array" and isinstance(part, int) and 0 <= part < len(node.children):
            index = part
        else:
            index = None
        if index is None:
            break
        node = node.children[index]
        chain.append(node)
        if node.kind == "scalar" and node.value is None:
            break
    depth = len(chain) - 1
    if edit.op == "remove":
        return text if depth < len(path) else _remove(text, chain[-2], path[-1])
    value = edit.value
    if edit.op == "add":
        if depth == len(path) and node.kind == "array":
            return _insert(text, node, None, value, style)
        if depth == len(path) and not (node.kind == "scalar" and node.value is None):
            raise FixRefused(f"{render(path)}: not a list")
        value = [value]
    if depth == len(path) or (node.kind == "scalar" and node.value is None):
        return _replace(text, node, nest(path[depth:], value, path), style)
    if node.kind != "object" or not isinstance(path[depth], str):
        raise FixRefused(f"{render(path[:depth]) or 'the document'}: not an object")
    return _insert(text, node, str(path[depth]), nest(path[depth + 1:], value, path), style)


def _indent(text: str, index: int) -> str:
    """The whitespace that starts the line holding ``index``."""
    start = text.rfind("\n", 0, index) + 1
    line = text[start:index]
    return line[:len(line) - len(line.lstrip(" \t"))]


def _own_line(text: str, index: int) -> bool:
    return text[text.rfind("\n", 0, index) + 1:index].strip() == ""


def _replace(text: str, node: Node, value: Any, style: _Style) -> str:
    spread = "\n" in text[node.start:node.end]
    rendered = style.block(value, _indent(text, node.start)) if spread else style.inline(value)
    return text[:node.start] + rendered + text[node.end:]


def _insert(text: str, node: Node, key: str | None, value: Any, style: _Style) -> str:
    """A member ``key`` (an item when None) after the last one of ``node``."""
    head = "" if key is None else json.dumps(key, ensure_ascii=style.ascii_only) + style.key_sep
    if node.children:
        last = node.children[-1]
        first_char = node.keys[-1][1] if key is not None else last.start
        if style.unit is not None and _own_line(text, first_char):
            indent = _indent(text, first_char)
            piece = "," + style.newline + indent + head + style.block(value, indent)
        else:
            piece = style.item_sep + head + style.inline(value)
        return text[:last.end] + piece + text[last.end:]
    close = node.end - 1
    if style.unit is not None and "\n" in text[node.start:close]:
        raise FixRefused("an empty JSON object or list written over several lines: fix it by hand",
                         line_of(text, node.start))
    if style.unit is not None and _alone(text, node.start):
        indent = _indent(text, node.start)
        inner = indent + style.unit
        piece = style.newline + inner + head + style.block(value, inner) + style.newline + indent
    else:
        piece = head + style.inline(value)
    return text[:node.start + 1] + piece + text[close:]


def _alone(text: str, index: int) -> bool:
    """Whether the value at ``index`` starts its line, or follows only its own key there."""
    before = text[text.rfind("\n", 0, index) + 1:index]
    return _KEY_FIRST.fullmatch(before) is not None


def _remove(text: str, parent: Node, part: Any) -> str:
    if parent.kind == "object":
        index = next(k for k, (key, _) in enumerate(parent.keys) if key == part)
        begins = [start for _, start in parent.keys]
    else:
        index = int(part)
        begins = [child.start for child in parent.children]
    node = parent.children[index]
    if len(parent.children) == 1:
        return text[:parent.start + 1] + text[parent.end - 1:]
    if index == 0:
        return text[:begins[0]] + text[begins[1]:]
    return text[:parent.children[index - 1].end] + text[node.end:]
