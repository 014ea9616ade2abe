"""Where things are in a YAML file's text: the composer's nodes, paths through them, and
the positions and indentation edits are made at (``yamledit``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml

from podwarden.fix.yamlrender import Style
from podwarden.model.paths import FieldPath, render


class FixRefused(Exception):
    """The file cannot be rewritten safely; the message says why (one line), ``line`` where
    (the line of the object or document concerned, 0 when it is the whole file)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


class _Composer(yaml.CSafeLoader):
    """libyaml's composer without a Python call per node: the resolver hooks are builtins.
    A node's tag is left as ``slice(kind, value, implicit)`` (what PyYAML's ``resolve``
    would be given) and resolved by ``tag_of`` for the few nodes whose tag is asked."""

    descend_resolver = slice  # type: ignore[assignment]
    ascend_resolver = tuple  # type: ignore[assignment]
    resolve = slice


def tag_of(node: Any) -> str:
    """A node's tag as PyYAML's safe resolver gives it (ruamel's nodes too)."""
    tag = node.tag
    if isinstance(tag, slice):
        kind, value, implicit = tag.start, tag.stop, tag.step
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for resolved, regexp in yaml.CSafeLoader.yaml_implicit_resolvers.get(value[0] if value else "", ()):
                    if regexp.match(value):
                        return str(resolved)
            return "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"
    return tag if isinstance(tag, str) else str(getattr(tag, "value", tag))


def compose_all(text: str) -> list[Any]:
    """The root nodes of a text's documents: libyaml's, else ruamel's YAML 1.2 parser's
    (what libyaml refuses).  A text neither reads (an edit made it invalid) is refused:
    no exception of either library leaves here."""
    try:
        return list(yaml.compose_all(text, Loader=_Composer))
    except yaml.YAMLError:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError, YAMLStreamError, YAMLWarning

        try:
            return list(YAML(typ="safe", pure=True).compose_all(text))
        except (YAMLError, YAMLStreamError, YAMLWarning):
            raise FixRefused("this YAML cannot be edited in place (the edited text would not "
                             "parse): fix it by hand") from None


def compose(text: str) -> Any:
    nodes = [n for n in compose_all(text) if n is not None]
    return nodes[0] if nodes else None


def is_flow(node: Any, text: str) -> bool:
    """A flow collection (``{...}``, ``[...]``): its first character, past anchor and tag."""
    if node.id == "scalar":
        return False
    if getattr(node, "flow_style", None) is not None:
        return bool(node.flow_style)
    i = node.start_mark.index
    while i < len(text) and text[i] in "&!":  # anchor or tag, then a space
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        while j < len(text) and text[j] in " \t":
            j += 1
        i = j
    return i < len(text) and text[i] in "{["


def is_null(node: Any) -> bool:
    return node.id == "scalar" and tag_of(node) == "tag:yaml.org,2002:null"


def shared_nodes(root: Any) -> set[int]:
    """Ids of nodes reached more than once (through aliases)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if node.id == "mapping":
            for key, value in node.value:
                stack.extend((key, value))
        elif node.id == "sequence":
            stack.extend(node.value)
    return shared


def key_text(node: Any) -> Any:
    return node.value if node.id == "scalar" else None


def entry_of(mapping: Any, key: str, where: FieldPath) -> tuple[Any, Any] | None:
    """The (key node, value node) of ``key``; refuses merge keys and duplicates."""
    found = []
    for k, v in mapping.value:
        if tag_of(k) == "tag:yaml.org,2002:merge":
            raise FixRefused(f"{render(where) or 'the document'} uses a YAML merge key ('<<'): fix it by hand")
        if key_text(k) == key:
            found.append((k, v))
    if len(found) > 1:
        raise FixRefused(f"{render((*where, key))}: duplicate key: fix it by hand")
    return found[0] if found else None


@dataclass(slots=True)
class Walk:
    """How far a path reaches: the nodes present, and where it stopped."""

    nodes: list[Any]  # nodes[i] is the node at path[:i]
    entries: list[tuple[Any, Any] | None]  # key node/value node pair that led to nodes[i]


def walk_path(root: Any, path: FieldPath, shared: set[int]) -> Walk:
    nodes = [root]
    entries: list[tuple[Any, Any] | None] = [None]
    node = root
    for depth, part in enumerate(path):
        if id(node) in shared:
            raise FixRefused(f"{render(path[:depth]) or 'the document'} is shared through a YAML alias: "
                             "fix it by hand")
        if node.id == "mapping" and isinstance(part, str):
            entry = entry_of(node, part, path[:depth])
            if entry is None:
                break
            child = entry[1]
            entries.append(entry)
        elif node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            entries.append(None)
        else:
            break
        nodes.append(child)
        if is_null(child):
            break
        node = child
    return Walk(nodes, entries)


# -- text positions -------------------------------------------------------------------


def content_end(node: Any) -> int:
    """Index just past a node's own characters (block collections: their last child's).
    A last child written as an alias (``*name``) has its anchor's positions, earlier in the
    text, and where the alias ends is not known: that is refused."""
    while node.id != "scalar" and node.value and not node.flow_style:
        if node.id == "mapping":
            key, child = node.value[-1]
            written_after = key.end_mark.index
        else:
            child = node.value[-1]
            written_after = node.value[-2].end_mark.index if len(node.value) > 1 else node.start_mark.index
        if child.start_mark.index < written_after:
            raise FixRefused("a block ending with a YAML alias ('*'): fix it by hand")
        node = child
    return int(node.end_mark.index)


def key_column(text: str, key: Any) -> int:
    """The column a mapping's keys are written at: the first key's, or that of the ``?``
    introducing it when it is an explicit key (``? name``)."""
    i = key.start_mark.index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] == "?":
        return column(text, i)
    return int(key.start_mark.column)


def after_line(text: str, index: int) -> int:
    """Start of the line after the one holding ``index - 1``."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def column(text: str, index: int) -> int:
    return index - line_start(text, index)


def only_space_before(text: str, index: int) -> bool:
    return text[line_start(text, index):index].strip() == ""


def detect_style(text: str, root: Any) -> Style:
    """The most common mapping step and sequence offset in a document."""
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or node.id == "scalar":
            continue
        seen.add(id(node))
        if node.id == "sequence":
            stack.extend(node.value)
            continue
        for key, value in node.value:
            stack.append(value)
            if node.flow_style or value.id == "scalar" or value.flow_style or not value.value:
                continue
            key_col = key.start_mark.column
            if value.id == "mapping":
                first = value.value[0][0]
                if first.start_mark.line > key.start_mark.line:
                    steps[first.start_mark.column - key_col] += 1
            else:
                dash = dash_index(text, value.value[0])
                if dash is not None and text.count("\n", key.start_mark.index, dash) > 0:
                    offsets[column(text, dash) - key_col] += 1
    style = Style(newline="\r\n" if "\r\n" in text else "\n")
    positive = Counter({k: n for k, n in steps.items() if k > 0})
    if positive:
        style.step = positive.most_common(1)[0][0]
    good = Counter({k: n for k, n in offsets.items() if k >= 0})
    style.seq_offset = good.most_common(1)[0][0] if good else style.step
    return style


def dash_index(text: str, item: Any) -> int | None:
    """Index of the ``-`` that introduces a block sequence item."""
    i = item.start_mark.index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] == "-":
        return i
    # an anchored or tagged item: the dash precedes the anchor on the same line
    start = line_start(text, item.start_mark.index)
    line = text[start:item.start_mark.index]
    pos = line.find("-")
    return start + pos if pos >= 0 and line[:pos].strip() == "" else None


def nest(parts: FieldPath, value: Any, path: FieldPath) -> Any:
    """``value`` under the missing keys ``parts`` of ``path`` (``{a: {b: value}}``): what a
    set writes where its parents are missing; a missing list item is refused."""
    for part in reversed(parts):
        if isinstance(part, int):
            raise FixRefused(f"{render(path)}: cannot create list item {part}")
        value = {part: value}
    return value
