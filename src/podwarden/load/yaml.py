"""Parse YAML/JSON text into plain Python documents that still know their source lines.

libyaml (PyYAML's C parser) composes a node tree; a small constructor (``construct``)
turns it into dicts, lists and scalars.  The node tree is kept beside each document so that a line
is looked up only for the paths that have findings: clean files pay nothing for it.

Hostile input is bounded before it can hurt: file size, nesting depth (libyaml's
composer recurses on the C stack), and alias expansion (a "billion laughs" file
expands to more values than its size allows).  Valid YAML 1.2 that PyYAML's 1.1
parser rejects (``[001:db8::]``) is retried with ruamel.yaml's pure parser, the way
Kubernetes' own YAML 1.2-leaning reader accepts it.
"""

from __future__ import annotations

import io
import operator
import re
import sys
import warnings
from collections.abc import Iterator
from itertools import accumulate, repeat
from typing import Any

import yaml

from podwarden.errors import InputError
from podwarden.load import large_list
from podwarden.load.construct import (
    ALIAS_ALLOWANCE,
    LONG_NUMBER,
    MAX_DEPTH,
    STR,
    Budget,
    construct,
    construct_plain,
    duplicate_message,
    json_float,
    key_text,
    number_tag,
)
from podwarden.model.paths import FieldPath

MAX_BYTES = 32 * 1024 * 1024

_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"

#: a top-level ``kind: ...List`` (block YAML at column 0, or JSON): only then is a large
#: document worth the events pre-pass that confirms it (CRDs say ``listKind: FooList``).
#: This and the other patterns of rare paths are strings, compiled (by ``re``) when first
#: used, not at every start-up
_LIST_KIND = r"(?m)^kind:[ \t]*[\"']?[A-Za-z]*List[\"']?[ \t]*$" + r'|"kind"\s*:\s*"[A-Za-z]*List"'
#: what may stand before an alias's asterisk (or nothing, at the start)
_BEFORE_ALIAS = frozenset(" \t\r\n\x85\u2028\u2029[]{},:?\ufeff")
_NOT_BRACKETS = r"[^\[\]{}]+"
#: an opening bracket as 2, a closing one as 0 (less 1: a step of +1 or -1)
_BRACKET_STEPS = bytes.maketrans(b"[]{}", b"\x02\x00\x02\x00")


_SCALAR_NODE = yaml.ScalarNode
_SEQUENCE_NODE = yaml.SequenceNode
#: take (parent, index) or nothing, do nothing: builtins, so no Python frame per node
_IGNORE_TWO: Any = {}.get
_IGNORE_NONE: Any = ().__len__


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader, also accepting YAML 1.1's bare ``=`` value (seen in CRDs).

    Tag resolution is PyYAML's own table of implicit resolvers, minus the bookkeeping for
    path resolvers (none are registered), which costs three Python calls per node.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # libyaml's composer calls these two around every node; with no path resolver they
        # do nothing, and C callables that do nothing cost a fraction of Python methods
        self.descend_resolver = _IGNORE_TWO  # type: ignore[method-assign]
        self.ascend_resolver = _IGNORE_NONE  # type: ignore[method-assign]

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is _SCALAR_NODE:
            # plain scalars repeat (keys above all): the table is asked once per value
            return (_RESOLVED.get(value) or _resolve_plain(value)) if implicit[0] else STR
        return _SEQ if kind is _SEQUENCE_NODE else _MAP


#: tag of each plain scalar seen, bounded (a hostile file of distinct values only refills it)
_RESOLVED: dict[str, str] = {}
_RESOLVED_MAX = 50_000
_RESOLVED_LONGEST = 64


def _resolve_plain(value: str) -> str:
    """The tag Kubernetes' reader gives a plain scalar: a number as go-yaml v2 reads it, else
    PyYAML's YAML 1.1 table (``yes`` is a bool, ``~`` null), remembered for short values."""
    tag = number_tag(value)
    if tag is None:
        tag = STR
        for candidate, regexp in _Loader.yaml_implicit_resolvers.get(value[0] if value else "", ()):
            if regexp.match(value):
                tag = str(candidate)
                break
    if len(value) <= _RESOLVED_LONGEST:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[value] = tag
    return tag


# numbers are go-yaml v2's (number_tag), not YAML 1.1's (1:30 is no int, 1e3 a float)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# go-yaml v2, Kubernetes' reader, reads a plain y, Y, n or N as a boolean (PyYAML: a string)
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
_Loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]


class Document:
    """One YAML document of a file: its data and the node tree that locates its fields."""

    __slots__ = ("_parents", "_read", "data", "index", "line", "node", "prefix")

    def __init__(self, index: int, data: Any, node: Any, line: int, prefix: FieldPath = ()) -> None:
        self.index = index
        self.data = data
        self.node = node
        self.line = line
        #: an item of a large List read alone: its path in the List (its node is the item's)
        self.prefix = prefix
        #: node of each parent path already walked: findings cluster in a few mappings
        self._parents: dict[FieldPath, tuple[Any, bool]] = {}
        #: per mapping node (by id) with keys that are no plain strings: them, as read
        self._read: dict[int, dict[Any, Any]] = {}

    def locate(self, path: FieldPath) -> tuple[int, int]:
        """1-based (line, column) of ``path``, or of its nearest present parent."""
        node = self.node
        if node is None:  # JSON read by the json module: no positions
            return self.line, 1
        if self.prefix:
            path = path[len(self.prefix):]
        if path:
            parent = path[:-1]
            found = self._parents.get(parent)
            node, complete = self._walk(parent) if found is None else found
            if complete:
                child = child_node(node, path[-1], self._read)
                if child is not None:
                    node = child
        mark = node.start_mark
        return mark.line + 1, mark.column + 1

    def _walk(self, path: FieldPath) -> tuple[Any, bool]:
        """The node at ``path`` (True), or its nearest present parent (False), remembered.

        The walk starts from the nearest ancestor already walked, not from the root, and
        remembers the ancestors it passes: the paths of one object share most of their parts."""
        parents = self._parents
        cut = len(path)
        found = None
        while cut and found is None:
            cut -= 1
            found = parents.get(path[:cut])
        node, complete = found or (self.node, True)
        end = len(path)
        while complete and cut < end:
            child = child_node(node, path[cut], self._read)
            cut += 1
            if child is None:
                complete = False
            else:
                node = child
                if cut < end:
                    parents[path[:cut]] = (node, True)
        found = parents[path] = (node, complete)
        return found


def child_node(node: Any, part: str | int, read: dict[int, dict[Any, Any]] | None = None) -> Any:
    """The node of ``part`` (a key of a mapping, an index of a sequence) under ``node``, or
    None.  The loader refuses a key written twice: the first key read as ``part`` is it.
    ``read`` keeps, per mapping node (by id), its keys that are no plain strings as read: a
    mapping of thousands of number keys, each with findings, is read once, not per finding."""
    if isinstance(part, int):
        if node.id == "sequence":
            return node.value[part] if part < len(node.value) else None
        return None
    if node.id != "mapping":
        return None
    others = False
    for key, value in node.value:  # most keys: a string, compared as written
        if key.tag is not STR:
            others = True
        elif key.value == part:
            return value
    if not others:
        return None
    if read is None:
        return _read_keys(node).get(part)
    keys = read.get(id(node))
    if keys is None:
        keys = read[id(node)] = _read_keys(node)
    return keys.get(part)


def _read_keys(node: Any) -> dict[Any, Any]:
    """The values under the mapping's other keys, by the key the loader reads (``on`` is the
    key "true", ``0x1f`` the key "31")."""
    return {key_text(key): value for key, value in node.value if key.tag is not STR}


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
    return list(iter_parse(text, file))


def iter_parse(text: str, file: str) -> Iterator[Document]:
    """The non-empty documents of ``text``, one at a time: a document's node tree is freed
    once the caller moves on, so memory follows the largest document, not the file.
    Raises InputError (file and line) where the text stops being readable; the documents
    before that point have been yielded by then."""
    if len(text) > MAX_BYTES:
        raise InputError(file, 1, f"file larger than {MAX_BYTES // (1024 * 1024)} MiB: refused")
    _check_flow_depth(text, file)
    json_like = text.lstrip()[:1] in ("{", "[") and not text.lstrip().startswith("{{")
    if json_like:
        _check_json(text, file)  # Kubernetes decodes a document that starts like JSON as JSON, strictly
    budget = Budget(len(text) + ALIAS_ALLOWANCE, file)
    # without an alias (nor an anchor, which an alias needs) no node is shared: a plain
    # tree, built without the bookkeeping (``&&`` in a script, ``*`` in a glob are no alias)
    plain = "&" not in text or not _may_alias(text)
    if len(text) > large_list.LARGE_LIST_BYTES and re.search(_LIST_KIND, text) and _is_list(text):
        yield from _iter_large_list(text, file, budget, plain)
        return
    loader = _Loader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            doc = _document(index, node, budget, file, plain)
            index += 1
            if doc is not None:
                yield doc
    except yaml.YAMLError as exc:
        if json_like:  # valid JSON that YAML 1.1 refuses (tabs, a lone surrogate escape)
            import json

            yield Document(0, _without_lone_surrogates(json.loads(text, parse_float=json_float)), None, 1)
            return
        if not isinstance(exc, yaml.MarkedYAMLError):
            raise InputError(file, 1, f"invalid YAML: {_one_line(str(exc))}") from None
        if "invalid Unicode character escape" in (exc.problem or ""):
            raise _yaml_error(text, file, exc) from None  # a lone surrogate: YAML 1.2 refuses it too
        for later, node in enumerate(_parse_yaml_1_2(text, file, exc)):
            if later >= index:  # documents PyYAML read have been yielded already
                doc = _document(later, node, budget, file, False)
                if doc is not None:
                    if _without_lone_surrogates(doc.data) is not doc.data:
                        # go-yaml, like libyaml, refuses "\ud800": no text can hold it
                        raise InputError(file, doc.line, "invalid YAML: a \\u escape of a lone surrogate "
                                                         "(half of a UTF-16 pair) in a quoted scalar") from None
                    yield doc
    finally:
        loader.dispose()


_LONE_SURROGATE = "[\ud800-\udfff]"


def _without_lone_surrogates(data: Any) -> Any:
    """``data`` with each lone surrogate (from a ``\\ud800`` escape) in its strings and keys
    replaced by U+FFFD, as Go's JSON decoder does; ``data`` itself when there is none.  Such
    text cannot be written as UTF-8: left alone, it would break every report."""
    if isinstance(data, str):
        return re.sub(_LONE_SURROGATE, "\ufffd", data) if re.search(_LONE_SURROGATE, data) else data
    if isinstance(data, list):
        items = [_without_lone_surrogates(item) for item in data]
        return items if any(a is not b for a, b in zip(items, data, strict=True)) else data
    if isinstance(data, dict):
        pairs = [(_without_lone_surrogates(k), _without_lone_surrogates(v)) for k, v in data.items()]
        changed = any(k is not k0 or v is not v0 for (k, v), (k0, v0) in zip(pairs, data.items(), strict=True))
        return dict(pairs) if changed else data
    return data


def _is_list(text: str) -> bool:
    loader = _Loader(text)
    try:
        kind = large_list.list_kind(loader)
    except yaml.YAMLError:
        return False  # the ordinary path reports it
    finally:
        loader.dispose()
    return isinstance(kind, str) and kind.endswith("List")


def _iter_large_list(text: str, file: str, budget: Budget, plain: bool) -> Iterator[Document]:
    loader = _Loader(text)
    try:
        for node, index in large_list.iter_items(loader):
            doc = _document(0, node, budget, file, plain)
            if doc is not None:
                doc.prefix = ("items", index)
                yield doc
    except large_list.DuplicateKey as exc:
        raise InputError(file, exc.second.start_mark.line + 1, duplicate_message(exc.first, exc.second)) from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(text, file, exc) from None
    finally:
        loader.dispose()


def _may_alias(text: str) -> bool:
    """Whether ``text`` may hold an alias: an asterisk after a space, a flow indicator, a
    colon or a key's ``?`` (``[?*x]``), or at the start (a ``*`` within a word, a quoted
    ``"*"``, a path ``/var/*`` is none)."""
    at = text.find("*")
    while at >= 0:
        if at == 0 or text[at - 1] in _BEFORE_ALIAS:
            return True
        at = text.find("*", at + 1)
    return False


def _document(index: int, node: Any, budget: Budget, file: str, plain: bool) -> Document | None:
    if node is None:
        return None
    data = construct_plain(node, 0, file) if plain else construct(node, budget, 0, {}, set())
    return None if data is None else Document(index, data, node, node.start_mark.line + 1)


def _check_json(text: str, file: str) -> None:
    import json  # here: a run of YAML files never needs it

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise InputError(file, 1, f"nesting deeper than {MAX_DEPTH} levels: refused") from None
    except ValueError:  # an integer past Python's digit limit
        raise InputError(file, _long_number_line(text), LONG_NUMBER) from None


def _parse_yaml_1_2(text: str, file: str, original: yaml.MarkedYAMLError) -> list[Any]:
    """Retry with ruamel's YAML 1.2 parser; report PyYAML's error if that fails too."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError as RuamelError
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class GoScalars(VersionedResolver):
        """YAML 1.2's syntax, go-yaml's plain scalars: tagged as on the main path."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                return Tag(suffix=_RESOLVED.get(value) or _resolve_plain(value))
            return super().resolve(kind, value, implicit)

    parser = YAML(typ="safe", pure=True)
    parser.Resolver = GoScalars
    try:
        with warnings.catch_warnings():  # a reused anchor is valid YAML: no warning, no quoted name
            warnings.simplefilter("ignore")
            return list(parser.compose_all(io.StringIO(text)))
    except (RuamelError, RecursionError):
        raise _yaml_error(text, file, original) from None


def _yaml_error(text: str, file: str, original: yaml.MarkedYAMLError) -> InputError:
    """PyYAML's error as one line: where, what, never a quoted piece of the input."""
    mark = original.problem_mark or original.context_mark
    line = mark.line + 1 if mark else 1
    problem = without_quotes(original.problem or "invalid YAML")
    context = f" ({without_quotes(original.context)})" if original.context else ""
    hint = ""
    if "{{" in text:
        hint = "; looks like a Helm template: render it first (helm template ... | podwarden check -)"
    return InputError(file, line, f"invalid YAML: {problem}{context}{hint}")


#: quoted input in PyYAML's messages ('found undefined tag handle '!x!''); token names stay
_QUOTED = r"""(['"])(?!<[a-z ]+>\1)(?!\s)[^'"\n]{2,}?(?<!\s)\1"""


def _one_line(message: str) -> str:
    """A reader error (``unacceptable character ... in "<unicode string>", position 1``) on
    one line, without PyYAML's pointer to its own input buffer."""
    first = message.strip().splitlines()[0] if message.strip() else "unreadable"
    position = re.search(r"position (\d+)", message)
    return without_quotes(first) + (f" (character {int(position.group(1)) + 1})" if position else "")


def without_quotes(message: str) -> str:
    """A parser message with any quoted piece of the input left out (it could be a secret)."""
    return re.sub(_QUOTED, "(text not shown)", message)


def _long_number_line(text: str) -> int:
    found = re.search(r"\d{" + str(sys.get_int_max_str_digits() + 1) + "}", text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _check_flow_depth(text: str, file: str) -> None:
    """Refuse flow nesting deeper than MAX_DEPTH before libyaml recurses into it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    # the deepest running count of opening less closing brackets, in C loops: the brackets
    # alone, each made a step of +1 or -1, summed as they come
    steps = re.sub(_NOT_BRACKETS, "", text).encode("ascii").translate(_BRACKET_STEPS)
    if max(accumulate(map(operator.sub, steps, repeat(1))), default=0) <= MAX_DEPTH:
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


def iter_objects(doc: Document) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Kubernetes objects in a document: itself, or the items of a ``*List``."""
    data = doc.data
    if not isinstance(data, dict):
        return
    if doc.prefix:
        yield doc.prefix, data
        return
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield ("items", i), item
        return
    yield (), data
