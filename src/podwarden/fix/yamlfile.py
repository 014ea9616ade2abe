"""Apply edits to a manifest file without touching a byte the edits do not need.

YAML is edited in place as text, at the positions the YAML composer reports for each
node (libyaml, or ruamel.yaml's YAML 1.2 parser for what libyaml refuses): a new key is
inserted as new lines after the last entry of its mapping, at that mapping's
indentation; a changed scalar replaces exactly its own characters; a list item is
appended after the last item, with the file's own sequence indentation.  Comments, key
order, quoting, anchors, flow style, blank lines, line endings, document separators and
every other document stay byte-identical, which re-emitting a round-trip tree (ruamel's
dumper normalises spacing, flow lists and indentation of the whole document) cannot
promise.  Each result is checked: it must parse to exactly the data the edits ask for
(``jsonpatch.PatchBuilder`` applied to the parsed original), or the file is refused.

JSON files are rewritten as JSON, keeping key order and the file's indentation.

What cannot be rewritten safely raises ``FixRefused`` with a one-line reason: Helm
templates, JSON with duplicate keys, edits through YAML aliases or merge keys, and
anything whose result would not parse back to the expected data.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from podwarden.errors import InputError
from podwarden.fix.jsonpatch import PatchBuilder, PatchError
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath, render


class FixRefused(Exception):
    """The file cannot be rewritten safely; the message says why (one line)."""


# -- encoding ---------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Encoding:
    """How a file's text is stored: byte-order mark and codec, written back the same way."""

    bom: bytes = b""
    codec: str = "utf-8"

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


def decode(raw: bytes, file: str) -> tuple[str, Encoding]:
    """The text of a file and how to encode it back (InputError when not readable)."""
    text = yamlload.decode(raw, file)
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return text, Encoding(bom, codec)
    return text, Encoding()


def is_json(text: str) -> bool:
    """Kubernetes reads a document that starts like JSON as JSON (as the loader does)."""
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[") and not stripped.startswith("{{")


# -- public entry point -----------------------------------------------------------------


def apply_edits(text: str, docs: Sequence[yamlload.Document], edits: dict[int, list[Edit]],
                file: str) -> str:
    """``text`` with ``edits`` applied; ``edits`` maps a document index to edits on paths
    relative to that document.  Raises FixRefused when that cannot be done safely."""
    by_index = {doc.index: doc for doc in docs}
    expected: dict[int, Any] = {}
    for index, doc_edits in edits.items():
        builder = PatchBuilder(by_index[index].data)
        try:
            builder.apply_all(_ordered(doc_edits))
        except PatchError as exc:
            raise FixRefused(f"cannot apply a fix: {exc}") from None
        expected[index] = builder.document
    if is_json(text):
        new_text = _rewrite_json(text, docs, expected, file)
    else:
        _refuse_templates(text, docs)
        new_text = _edit_yaml(text, by_index, edits)
    _verify(new_text, docs, expected, file)
    return new_text


def _verify(new_text: str, docs: Sequence[yamlload.Document], expected: dict[int, Any],
            file: str) -> None:
    """The result must parse to exactly the expected documents."""
    try:
        parsed = yamlload.parse(new_text, file)
    except InputError as exc:
        raise FixRefused(f"the fixed file would not parse ({exc.message}); left untouched") from None
    want = [expected.get(doc.index, doc.data) for doc in docs]
    got = [doc.data for doc in parsed]
    if got != want:
        raise FixRefused("the fixed file would not hold exactly the intended change; left untouched")


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` through a temporary file in the same directory, keeping
    the file's permission bits; a crash leaves the old file or the new one, never half."""
    mode = os.stat(path).st_mode & 0o7777
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".podwarden-fix-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- JSON -------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise FixRefused(f"JSON with a duplicate key {key!r}: cannot be rewritten without losing it")
        out[key] = value
    return out


def _rewrite_json(text: str, docs: Sequence[yamlload.Document], expected: dict[int, Any],
                  file: str) -> str:
    json.loads(text, object_pairs_hook=_no_duplicates)
    data = expected.get(docs[0].index, docs[0].data) if docs else None
    body = text.strip()
    indent: str | int | None = None
    match = re.search(r"\n([ \t]+)\S", body)
    if match:
        unit = match.group(1)
        indent = "\t" if unit.startswith("\t") else len(unit)
    separators = (",", ": ") if indent is not None or '": ' in body else (",", ":")
    ascii_only = all(ord(ch) < 128 for ch in body) and "\\u" in body
    out = json.dumps(data, indent=indent, separators=separators, ensure_ascii=ascii_only)
    newline = "\r\n" if "\r\n" in text else "\n"
    if newline != "\n":
        out = out.replace("\n", newline)
    start = text.index(body[0]) if body else 0
    return text[:start] + out + text[start + len(body):]


# -- YAML: finding nodes ----------------------------------------------------------------


def _compose_all(text: str) -> list[Any]:
    try:
        return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        from ruamel.yaml import YAML

        return list(YAML(typ="safe", pure=True).compose_all(text))


def _compose(text: str) -> Any:
    nodes = [n for n in _compose_all(text) if n is not None]
    return nodes[0] if nodes else None


_TEMPLATE = "{{"


def _refuse_templates(text: str, docs: Sequence[yamlload.Document]) -> None:
    """``{{`` anywhere but inside string values means an unrendered template."""
    if _TEMPLATE not in text:
        return
    in_values = 0
    for doc in docs:
        stack = [doc.data]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                in_values += item.count(_TEMPLATE)
            elif isinstance(item, dict):
                stack.extend(item.values())
                stack.extend(k for k in item if isinstance(k, str))
            elif isinstance(item, list):
                stack.extend(item)
    if text.count(_TEMPLATE) > in_values:
        raise FixRefused("looks like a template ('{{' outside string values): render it first, "
                         "fix rewrites plain manifests only")


def _is_flow(node: Any, text: str) -> bool:
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


def _is_null(node: Any) -> bool:
    tag = node.tag if isinstance(node.tag, str) else str(getattr(node.tag, "value", node.tag))
    return node.id == "scalar" and tag == "tag:yaml.org,2002:null"


def _shared(root: Any) -> set[int]:
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


def _key_text(node: Any) -> Any:
    return node.value if node.id == "scalar" else None


def _entry(mapping: Any, key: str, where: FieldPath) -> tuple[Any, Any] | None:
    """The (key node, value node) of ``key``; refuses merge keys and duplicates."""
    found = []
    for k, v in mapping.value:
        tag = k.tag if isinstance(k.tag, str) else str(getattr(k.tag, "value", k.tag))
        if tag == "tag:yaml.org,2002:merge":
            raise FixRefused(f"{render(where) or 'the document'} uses a YAML merge key ('<<'): fix it by hand")
        if _key_text(k) == key:
            found.append((k, v))
    if len(found) > 1:
        raise FixRefused(f"{render((*where, key))}: duplicate key: fix it by hand")
    return found[0] if found else None


@dataclass(slots=True)
class _Walk:
    """How far a path reaches: the nodes present, and where it stopped."""

    nodes: list[Any]  # nodes[i] is the node at path[:i]
    entries: list[tuple[Any, Any] | None]  # key node/value node pair that led to nodes[i]


def _walk(root: Any, path: FieldPath, shared: set[int]) -> _Walk:
    nodes = [root]
    entries: list[tuple[Any, Any] | None] = [None]
    node = root
    for depth, part in enumerate(path):
        if id(node) in shared:
            raise FixRefused(f"{render(path[:depth]) or 'the document'} is shared through a YAML alias: "
                             "fix it by hand")
        if node.id == "mapping" and isinstance(part, str):
            entry = _entry(node, part, path[:depth])
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
        if _is_null(child):
            break
        node = child
    return _Walk(nodes, entries)


# -- YAML: text positions ---------------------------------------------------------------


def _content_end(node: Any) -> int:
    """Index just past a node's own characters (block collections: their last child's)."""
    while node.id != "scalar" and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if node.id == "mapping" else last
    return int(node.end_mark.index)


def _after_line(text: str, index: int) -> int:
    """Start of the line after the one holding ``index - 1``."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _column(text: str, index: int) -> int:
    return index - _line_start(text, index)


def _only_space_before(text: str, index: int) -> bool:
    return text[_line_start(text, index):index].strip() == ""


@dataclass(slots=True)
class Style:
    """Indentation of a document: mapping step and where ``-`` sits under a key."""

    step: int = 2
    seq_offset: int = 2
    newline: str = "\n"


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
                dash = _dash_index(text, value.value[0])
                if dash is not None and text.count("\n", key.start_mark.index, dash) > 0:
                    offsets[_column(text, dash) - key_col] += 1
    style = Style(newline="\r\n" if "\r\n" in text else "\n")
    positive = Counter({k: n for k, n in steps.items() if k > 0})
    if positive:
        style.step = positive.most_common(1)[0][0]
    good = Counter({k: n for k, n in offsets.items() if k >= 0})
    style.seq_offset = good.most_common(1)[0][0] if good else style.step
    return style


def _dash_index(text: str, item: Any) -> int | None:
    """Index of the ``-`` that introduces a block sequence item."""
    i = item.start_mark.index - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] == "-":
        return i
    # an anchored or tagged item: the dash precedes the anchor on the same line
    start = _line_start(text, item.start_mark.index)
    line = text[start:item.start_mark.index]
    pos = line.find("-")
    return start + pos if pos >= 0 and line[:pos].strip() == "" else None


# -- YAML: rendering --------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def literal_lines(value: Any, col: int) -> list[str] | None:
    """A multi-line string as a ``|`` block scalar: the indicator, then its lines with
    content at column ``col``; None when a literal block could not hold it exactly (no
    final newline, several, tabs or control characters, a leading space, blank-looking
    lines made of spaces)."""
    if not isinstance(value, str) or "\n" not in value.rstrip("\n") or not value.endswith("\n"):
        return None
    if value.endswith("\n\n") or any(not ch.isprintable() and ch != "\n" for ch in value):
        return None
    lines = value[:-1].split("\n")
    if lines[0][:1] in ("", " ") or any(line and not line.strip() for line in lines):
        return None
    return ["|", *((" " * col + line) if line else "" for line in lines)]


def block_entry(key: str, value: Any, col: int, style: Style) -> list[str]:
    """Lines of ``key: value`` at column ``col`` (block style, nested as the file does)."""
    pad = " " * col
    literal = literal_lines(value, col + style.step)
    if literal is not None:
        return [f"{pad}{scalar(key)}: {literal[0]}", *literal[1:]]
    if isinstance(value, dict) and value:
        lines = [f"{pad}{scalar(key)}:"]
        for k, v in value.items():
            lines.extend(block_entry(str(k), v, col + style.step, style))
        return lines
    if isinstance(value, list) and value:
        lines = [f"{pad}{scalar(key)}:"]
        for item in value:
            lines.extend(block_item(item, col + style.seq_offset, style))
        return lines
    return [f"{pad}{scalar(key)}: {flow(value)}"]


def block_item(value: Any, col: int, style: Style) -> list[str]:
    """Lines of ``- value`` with the dash at column ``col``."""
    pad = " " * col
    if isinstance(value, dict) and value:
        lines: list[str] = []
        for k, v in value.items():
            lines.extend(block_entry(str(k), v, col + 2, style))
        lines[0] = pad + "- " + lines[0][col + 2:]
        return lines
    return [f"{pad}- {flow(value)}"]


# -- YAML: editing ----------------------------------------------------------------------


def _edit_yaml(text: str, docs: dict[int, yamlload.Document], edits: dict[int, list[Edit]]) -> str:
    roots = _compose_all(text)
    spans = []
    for index in sorted(edits, reverse=True):  # from the end, so earlier offsets stay valid
        root = roots[index]
        start, end = root.start_mark.index, root.end_mark.index
        spans.append((index, start, end))
    for index, start, end in spans:
        line_start = _line_start(text, start)
        pad = " " * (start - line_start)  # keeps columns when the root follows '--- '
        piece = pad + text[start:end]
        builder = PatchBuilder(docs[index].data)
        for edit in _ordered(edits[index]):
            before = copy.deepcopy(builder.document)
            try:
                builder.apply(edit)
            except PatchError as exc:
                raise FixRefused(f"cannot apply a fix: {exc}") from None
            if builder.document == before:
                continue  # changes nothing
            piece = _apply_one(piece, edit)
        text = text[:start] + piece[len(pad):] + text[end:]
    return text


def _ordered(edits: Iterable[Edit]) -> list[Edit]:
    """Sets and adds in order, then removals from the highest list index down."""
    keep = [e for e in edits if e.op != "remove"]
    removes = [e for e in edits if e.op == "remove"]
    removes.sort(key=lambda e: tuple((1, p) if isinstance(p, int) else (0, 0) for p in e.path), reverse=True)
    return keep + removes


def _apply_one(text: str, edit: Edit) -> str:
    root = _compose(text)
    if root is None:
        raise FixRefused("empty document")
    style = detect_style(text, root)
    walk = _walk(root, edit.path, _shared(root))
    if edit.op == "set":
        return _set(text, walk, edit.path, edit.value, style)
    if edit.op == "add":
        return _add(text, walk, edit.path, edit.value, style)
    return _remove(text, walk, edit.path, style)


def _nest(parts: FieldPath, value: Any, path: FieldPath) -> Any:
    for part in reversed(parts):
        if isinstance(part, int):
            raise FixRefused(f"{render(path)}: cannot create list item {part}")
        value = {part: value}
    return value


def _set(text: str, walk: _Walk, path: FieldPath, value: Any, style: Style) -> str:
    depth = len(walk.nodes) - 1  # path[:depth] is present
    last = walk.nodes[-1]
    if depth == len(path) or _is_null(last):
        # the node at path[:depth] exists: a scalar (or null) to replace, or a collection
        target_depth = depth
        nested = _nest(path[target_depth:], value, path)
        return _replace(text, walk, path[:target_depth], nested, style)
    if last.id != "mapping":
        raise FixRefused(f"{render(path[:depth]) or 'the document'}: not a mapping")
    key = path[depth]
    if not isinstance(key, str):
        raise FixRefused(f"{render(path)}: no such list item")
    return _insert_key(text, last, key, _nest(path[depth + 1:], value, path), style)


def _insert_key(text: str, mapping: Any, key: str, value: Any, style: Style) -> str:
    if _is_flow(mapping, text):
        close = mapping.end_mark.index - 1
        if not mapping.value:
            return text[:close] + f"{scalar(key)}: {flow(value)}" + text[close:]
        pos = _content_end(mapping.value[-1][1])
        return text[:pos] + f", {scalar(key)}: {flow(value)}" + text[pos:]
    first_key = mapping.value[0][0]
    col = first_key.start_mark.column
    pos = _after_line(text, _content_end(mapping.value[-1][1]))
    lines = block_entry(key, value, col, style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and text and not text.endswith("\n"):
        block = style.newline + block
    return text[:pos] + block + text[pos:]


def _replace(text: str, walk: _Walk, at: FieldPath, value: Any, style: Style) -> str:
    node = walk.nodes[len(at)]
    entry = walk.entries[len(at)]
    start, end = node.start_mark.index, node.end_mark.index
    if entry is not None and start == end:  # an empty value: just after its key's colon
        start = end = text.index(":", entry[0].end_mark.index) + 1
    if node.id == "scalar":
        if text[start:start + 1] in ("&", "!") and not _is_null(node):
            raise FixRefused(f"{render(at)}: anchored or tagged value: fix it by hand")
        parent = walk.nodes[len(at) - 1] if at else None
        block_parent = parent is not None and parent.id == "mapping" and not _is_flow(parent, text)
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
            finish = _after_line(text, start + len(text[start:end].rstrip()))
            return text[:start] + style.newline.join(literal) + style.newline + text[finish:]
        if text[start:start + 1] in ("|", ">"):
            # a block scalar's span ends after its line break: keep that and what follows
            end = start + len(text[start:end].rstrip())
        rendered = flow(value)
        if start == end and text[start - 1:start] == ":":
            rendered = " " + rendered
        return text[:start] + rendered + text[end:]
    if _is_flow(node, text):
        return text[:start] + flow(value) + text[end:]
    # a block collection: rewrite its whole entry in place
    if entry is None or not _only_space_before(text, entry[0].start_mark.index):
        raise FixRefused(f"{render(at)}: cannot rewrite this block in place: fix it by hand")
    key_node = entry[0]
    begin = _line_start(text, key_node.start_mark.index)
    finish = _after_line(text, _content_end(node))
    lines = block_entry(str(at[-1]), value, key_node.start_mark.column, style)
    return text[:begin] + style.newline.join(lines) + style.newline + text[finish:]


def _add(text: str, walk: _Walk, path: FieldPath, value: Any, style: Style) -> str:
    depth = len(walk.nodes) - 1
    node = walk.nodes[-1]
    if depth < len(path) or _is_null(node):
        return _set(text, walk, path, [value], style)
    if node.id != "sequence":
        raise FixRefused(f"{render(path)}: not a list")
    if _is_flow(node, text):
        close = node.end_mark.index - 1
        if not node.value:
            return text[:close] + flow(value) + text[close:]
        pos = _content_end(node.value[-1])
        return text[:pos] + ", " + flow(value) + text[pos:]
    dash = _dash_index(text, node.value[0])
    if dash is None:
        raise FixRefused(f"{render(path)}: cannot find where this list is written")
    pos = _after_line(text, _content_end(node.value[-1]))
    lines = block_item(value, _column(text, dash), style)
    block = style.newline.join(lines) + style.newline
    if pos == len(text) and not text.endswith("\n"):
        block = style.newline + block
    return text[:pos] + block + text[pos:]


def _remove(text: str, walk: _Walk, path: FieldPath, style: Style) -> str:
    if len(walk.nodes) - 1 < len(path):
        return text
    parent = walk.nodes[-2]
    node = walk.nodes[-1]
    entry = walk.entries[-1]
    if _is_flow(parent, text):
        items = parent.value
        index = next(i for i, item in enumerate(items) if (item[1] if parent.id == "mapping" else item) is node)
        first = items[index][0] if parent.id == "mapping" else items[index]
        if len(items) == 1:
            return text[:parent.start_mark.index + 1] + text[parent.end_mark.index - 1:]
        if index == 0:
            nxt = items[1][0] if parent.id == "mapping" else items[1]
            return text[:first.start_mark.index] + text[nxt.start_mark.index:]
        prev = items[index - 1][1] if parent.id == "mapping" else items[index - 1]
        return text[:_content_end(prev)] + text[_content_end(node):]
    if len(parent.value) == 1:
        raise FixRefused(f"{render(path)}: removing the only entry would change its type: fix it by hand")
    begin_at = entry[0].start_mark.index if entry is not None else _dash_index(text, node)
    if begin_at is None or not _only_space_before(text, begin_at):
        raise FixRefused(f"{render(path)}: cannot remove this entry in place: fix it by hand")
    begin = _line_start(text, begin_at)
    finish = _after_line(text, _content_end(node))
    return text[:begin] + text[finish:]
