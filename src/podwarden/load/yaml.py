"""Parse YAML/JSON text into plain Python documents that still know their source lines.

libyaml (PyYAML's C parser) composes a node tree; a small constructor turns it into
dicts, lists and scalars.  The node tree is kept beside each document so that a line
is looked up only for the paths that have findings: clean files pay nothing for it.

Hostile input is bounded before it can hurt: file size, nesting depth (libyaml's
composer recurses on the C stack), and alias expansion (a "billion laughs" file
expands to more values than its size allows).  Valid YAML 1.2 that PyYAML's 1.1
parser rejects (``[001:db8::]``) is retried with ruamel.yaml's pure parser, the way
Kubernetes' own YAML 1.2-leaning reader accepts it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from podwarden.errors import InputError
from podwarden.model.paths import FieldPath

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 256
#: values a document may expand to through aliases, beyond one per source byte
ALIAS_ALLOWANCE = 100_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_BRACKETS = re.compile(r"[\[\]{}]")
_NOT_JSON = object()


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader, also accepting YAML 1.1's bare ``=`` value (seen in CRDs).

    Tag resolution is PyYAML's own table of implicit resolvers, minus the bookkeeping for
    path resolvers (none are registered), which costs three Python calls per node.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[0] if value else "", ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_Loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]
_SCALARS = yaml.SafeLoader("")  # only its scalar constructors are used: stateless for them


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its data and the node tree that locates its fields."""

    index: int
    data: Any
    node: Any
    line: int
    #: node of each parent path already walked: findings cluster in a few mappings
    _parents: dict[FieldPath, tuple[Any, bool]] = field(default_factory=dict)

    def locate(self, path: FieldPath) -> tuple[int, int]:
        """1-based (line, column) of ``path``, or of its nearest present parent."""
        if self.node is None:  # JSON read by the json module: no positions
            return self.line, 1
        parent = path[:-1]
        found = self._parents.get(parent)
        if found is None:
            found = self._parents[parent] = self._walk(parent)
        node, complete = found
        if path and complete:
            child = child_node(node, path[-1])
            if child is not None:
                node = child
        mark = node.start_mark
        return mark.line + 1, mark.column + 1

    def _walk(self, path: FieldPath) -> tuple[Any, bool]:
        """The node at ``path`` (True), or its nearest present parent (False)."""
        node = self.node
        for part in path:
            child = child_node(node, part)
            if child is None:
                return node, False
            node = child
        return node, True


def child_node(node: Any, part: str | int) -> Any:
    if isinstance(part, int):
        if node.id == "sequence":
            return node.value[part] if part < len(node.value) else None
        return None
    if node.id == "mapping":
        found = None
        for key, value in node.value:
            if getattr(key, "value", None) == part:
                found = value  # the last duplicate wins, as in the data
        return found
    return None


def decode(raw: bytes, file: str) -> str:
    """Bytes to text as Kubernetes reads them: UTF-8, or UTF-16/32 with a byte-order mark."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(file, 1, f"not valid {codec.upper()} text: {exc.reason}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            file, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse(text: str, file: str) -> list[Document]:
    """Every non-empty document of ``text``; raises InputError with the file and line."""
    if len(text) > MAX_BYTES:
        raise InputError(file, 1, f"file larger than {MAX_BYTES // (1024 * 1024)} MiB: refused")
    _check_flow_depth(text, file)
    json_data: Any = _NOT_JSON
    if text.lstrip()[:1] in ("{", "[") and not text.lstrip().startswith("{{"):
        # Kubernetes decodes a document that starts like JSON as JSON, strictly
        try:
            json_data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise InputError(file, 1, f"nesting deeper than {MAX_DEPTH} levels: refused") from None
    pyyaml_nodes = True
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        if json_data is not _NOT_JSON:
            return [Document(0, json_data, None, 1)]  # valid JSON that YAML 1.1 refuses (tabs)
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise InputError(file, 1, f"invalid YAML: {exc}") from None
        nodes = _parse_yaml_1_2(text, file, exc)
        pyyaml_nodes = False
    budget = _Budget(len(text) + ALIAS_ALLOWANCE, file)
    # without an anchor there is no alias: a plain tree, built without the bookkeeping
    plain = pyyaml_nodes and "&" not in text
    docs: list[Document] = []
    for index, node in enumerate(nodes):
        if node is None:
            continue
        data = _construct_plain(node, 0, file) if plain else _construct(node, budget, 0, {}, set())
        if data is None:
            continue
        docs.append(Document(index, data, node, node.start_mark.line + 1))
    return docs


def _parse_yaml_1_2(text: str, file: str, original: yaml.MarkedYAMLError) -> list[Any]:
    """Retry with ruamel's YAML 1.2 parser; report PyYAML's error if that fails too."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError as RuamelError

    try:
        return list(YAML(typ="safe", pure=True).compose_all(io.StringIO(text)))
    except (RuamelError, RecursionError):
        mark = original.problem_mark or original.context_mark
        line = mark.line + 1 if mark else 1
        problem = original.problem or "invalid YAML"
        context = f" ({original.context})" if original.context else ""
        hint = ""
        if "{{" in text:
            hint = "; looks like a Helm template: render it first (helm template ... | podwarden check -)"
        raise InputError(file, line, f"invalid YAML: {problem}{context}{hint}") from None


def _check_flow_depth(text: str, file: str) -> None:
    """Refuse flow nesting deeper than MAX_DEPTH before libyaml recurses into it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    if deepest <= MAX_DEPTH:
        return
    # Brackets inside strings may have misled the count: ask the parser's events.
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else 1
                    raise InputError(file, line, f"nesting deeper than {MAX_DEPTH} levels: refused")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting" in str(exc):  # libyaml's own limit
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            raise InputError(file, line, f"nesting deeper than {MAX_DEPTH} levels: refused") from None
        return  # the composer reports syntax errors with their context


class _Budget:
    """Counts the values a document expands to, aliases included."""

    __slots__ = ("file", "left")

    def __init__(self, limit: int, file: str) -> None:
        self.left = limit
        self.file = file

    def spend(self, amount: int, node: Any) -> None:
        self.left -= amount
        if self.left < 0:
            raise InputError(
                self.file,
                node.start_mark.line + 1,
                "aliases expand to far more values than the file holds (YAML alias bomb?): refused",
            )


def _tag(node: Any) -> str:
    tag = node.tag
    return tag if isinstance(tag, str) else str(getattr(tag, "value", tag))


def _construct(
    node: Any, budget: _Budget, depth: int, done: dict[int, tuple[Any, int]], active: set[int]
) -> Any:
    """Build the value of ``node``; ``done`` memoises shared (aliased) nodes with their size."""
    key = id(node)
    if key in done:
        shared, size = done[key]
        budget.spend(size, node)
        return shared
    if key in active:
        raise InputError(budget.file, node.start_mark.line + 1, "recursive alias: refused")
    if depth > MAX_DEPTH:
        raise InputError(
            budget.file, node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels: refused"
        )
    before = budget.left
    budget.spend(1, node)
    kind = node.id
    value: Any
    if kind == "scalar":
        value = _scalar(node, budget.file)
    else:
        active.add(key)
        if kind == "sequence":
            value = [_construct(item, budget, depth + 1, done, active) for item in node.value]
        else:
            value = _mapping(node, budget, depth, done, active)
        active.discard(key)
    done[key] = (value, before - budget.left)
    return value


def _construct_plain(node: Any, depth: int, file: str) -> Any:
    """Build the value of a node in a document without anchors (the common, fast case)."""
    kind = node.id
    if kind == "scalar":
        return node.value if node.tag == _STR else _scalar(node, file)
    if depth > MAX_DEPTH:
        raise InputError(file, node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels: refused")
    if kind == "sequence":
        return [_construct_plain(item, depth + 1, file) for item in node.value]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.id != "scalar" or key_node.tag == _MERGE:
            # rare shapes (merge keys, complex keys) take the careful path
            return _mapping(node, _Budget(ALIAS_ALLOWANCE, file), depth, {}, set())
        key = key_node.value if key_node.tag == _STR else _scalar(key_node, file)
        if isinstance(key, float | list | dict):
            key = str(key)
        if key in result:
            _duplicate(node, key_node, file)
        result[key] = _construct_plain(value_node, depth + 1, file)
    return result


def _duplicate(mapping: Any, key_node: Any, file: str) -> None:
    """Kubernetes' YAML reader refuses a key written twice in one mapping; so do we (the
    last value silently winning would hide, say, a second ``privileged: true``)."""
    first = next(k for k, _ in mapping.value if k.value == key_node.value)
    raise InputError(
        file, key_node.start_mark.line + 1,
        f'duplicate key "{key_node.value}" (first at line {first.start_mark.line + 1})',
    )


def _mapping(
    node: Any, budget: _Budget, depth: int, done: dict[int, tuple[Any, int]], active: set[int]
) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    merged: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if _tag(key_node) == _MERGE:
            source = _construct(value_node, budget, depth + 1, done, active)
            for item in source if isinstance(source, list) else [source]:
                if not isinstance(item, dict):
                    raise InputError(
                        budget.file, value_node.start_mark.line + 1, "merge key '<<' needs a mapping"
                    )
                for k, v in item.items():
                    merged.setdefault(k, v)
            continue
        if key_node.id != "scalar":
            raise InputError(
                budget.file,
                key_node.start_mark.line + 1,
                "a mapping key that is itself a mapping or list"
                + (" (unrendered Helm template?)" if key_node.id == "mapping" else ""),
            )
        key = _scalar(key_node, budget.file)
        if isinstance(key, float | list | dict):
            key = str(key)
        if key in result:
            _duplicate(node, key_node, budget.file)
        result[key] = _construct(value_node, budget, depth + 1, done, active)
    if merged:
        for k, v in merged.items():
            result.setdefault(k, v)
    return result


def _scalar(node: Any, file: str) -> Any:
    tag = _tag(node)
    value = node.value
    if tag == _STR:
        return value
    try:
        if tag == _INT:
            if value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)
            return _SCALARS.construct_yaml_int(node)  # 0400 is octal, 0x1F, 1_000, 1:30 ...
        if tag == _BOOL:
            return value.lower() in ("true", "yes", "on", "y")
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _SCALARS.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        raise InputError(file, node.start_mark.line + 1, f"bad {tag.rsplit(':', 1)[-1]}: {value[:40]!r}") from None
    # timestamps, binary, '=' and custom tags: Kubernetes turns them into strings
    return value


def iter_objects(doc: Document) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Kubernetes objects in a document: itself, or the items of a ``*List``."""
    data = doc.data
    if not isinstance(data, dict):
        return
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield ("items", i), item
        return
    yield (), data
