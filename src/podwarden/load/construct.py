"""Build a document's value from libyaml's node tree, as Kubernetes' reader (go-yaml v2)
would: YAML 1.1 scalars, merge keys in the order written, keys as the strings the API
stores, a key written twice refused; nesting and alias expansion bounded."""

from __future__ import annotations

import math
import re
import sys
from typing import Any

from podwarden.errors import InputError

MAX_DEPTH = 256
#: values a document may expand to through aliases, beyond one per source byte
ALIAS_ALLOWANCE = 100_000

STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_BOOLS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n"})
LONG_NUMBER = f"a number of more than {sys.get_int_max_str_digits()} digits: refused"

# Numbers as go-yaml v2 reads a plain scalar led by a sign, a digit or a dot: underscores
# dropped, then Go's strconv (base prefixes 0x, 0o, 0b in either case, a leading 0 octal),
# then its float form (1e3, 08, -.5); no base 60 (1:30 is a string), unlike PyYAML's table
# (patterns are strings, compiled by ``re`` when first used: not at every start-up)
_NUMBER_START = frozenset("+-.0123456789")
_GO_INT = r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)"
_GO_OCTAL = r"[-+]?0[0-7]+"
_GO_FLOAT = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
#: a scalar led by a dot is read whole (underscores kept) by Go's ParseFloat
_GO_DOT_FLOAT = r"\.[0-9]+(?:[eE][-+]?[0-9]+)?"
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
}
#: JSON writes a float this large with an exponent, which an integer field refuses
_EXPONENT_FROM = 1e21
#: an integer whose decimal text would pass Python's digit limit (LONG_NUMBER)
_LONGEST_BITS = int(sys.get_int_max_str_digits() * math.log2(10))


def number_tag(text: str) -> str | None:
    """The tag go-yaml v2 gives a plain scalar that is a number (int or float), else None."""
    if not text or text[0] not in _NUMBER_START:
        return None
    if text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
        return _INT  # most numbers: no pattern needed (str.isdigit alone also takes "⁶")
    if text in _SPECIAL_FLOATS:
        return _FLOAT
    if text[0] == ".":
        return _FLOAT if re.fullmatch(_GO_DOT_FLOAT, text) and _finite(text) else None
    plain = text.replace("_", "")
    if re.fullmatch(_GO_INT, plain):
        return _INT
    return _FLOAT if re.fullmatch(_GO_FLOAT, plain) and _finite(plain) else None


def _finite(text: str) -> bool:
    """Go's ParseFloat refuses a number too large for a float64 (1e400): go-yaml then keeps
    the text as a string."""
    return math.isfinite(float(text))


def _go_int(text: str) -> int:
    """An integer as go-yaml v2 reads it; ValueError for any other text."""
    plain = text.replace("_", "")
    if not re.fullmatch(_GO_INT, plain):
        raise ValueError
    value = int(plain, 8) if re.fullmatch(_GO_OCTAL, plain) else int(plain, 0)
    if value.bit_length() > _LONGEST_BITS:
        raise ValueError  # 0x... of thousands of digits: its decimal text cannot be written
    return value


def _go_number(text: str) -> int | float:
    """A float as go-yaml v2 reads it (an integer's text too), as the API then sees it: the
    YAML is turned into JSON, which writes a whole float without a fraction (``0.0`` is
    ``0``, an integer a ``runAsUser`` accepts).  ValueError for any other text."""
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if text[:1] == ".":
        if not re.fullmatch(_GO_DOT_FLOAT, text):
            raise ValueError
        value = float(text)
    else:
        plain = text.replace("_", "")
        if re.fullmatch(_GO_INT, plain):
            return _go_int(plain)
        if not re.fullmatch(_GO_FLOAT, plain):
            raise ValueError
        value = float(plain)
    if not math.isfinite(value):
        raise ValueError
    return _whole(value)


def json_float(text: str) -> int | float:
    """A JSON number with a fraction or an exponent as the YAML path reads one (0.0 is 0)."""
    return _whole(float(text))


def _whole(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < _EXPONENT_FROM else value


class Budget:
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


def construct(
    node: Any, budget: Budget, depth: int, done: dict[int, tuple[Any, int]], active: set[int]
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
            value = [construct(item, budget, depth + 1, done, active) for item in node.value]
        else:
            value = _mapping(node, budget, depth, done, active)
        active.discard(key)
    done[key] = (value, before - budget.left)
    return value


def construct_plain(node: Any, depth: int, file: str) -> Any:
    """Build the value of a node in a document without anchors (the common, fast case)."""
    kind = node.id
    if kind == "scalar":
        return node.value if node.tag == STR else _scalar(node, file)
    if depth > MAX_DEPTH:
        raise InputError(file, node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels: refused")
    # a tag that *is* STR (the resolver's own constant, given to scalars only) marks a plain
    # string scalar: most keys and values are taken without a call
    if kind == "sequence":
        return [item.value if item.tag is STR else construct_plain(item, depth + 1, file) for item in node.value]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag is STR:
            key = key_node.value
        else:
            if key_node.id != "scalar" or key_node.tag == _MERGE:
                # rare shapes (merge keys, complex keys) take the careful path
                return _mapping(node, Budget(ALIAS_ALLOWANCE, file), depth, {}, set())
            key = _scalar(key_node, file)
            if key.__class__ is not str and key is not None:
                key = _key_text(key)
        if key in result:
            _duplicate(node, key_node, file)
        result[key] = value_node.value if value_node.tag is STR else construct_plain(value_node, depth + 1, file)
    return result


def key_text(node: Any) -> Any:
    """The key a scalar key node of a loaded document stands for (None for any other node)."""
    if node.id != "scalar":
        return None
    try:
        key = _scalar(node, "")
    except InputError:
        return None
    return key if key.__class__ is str or key is None else _key_text(key)


def _key_text(key: Any) -> str:
    """A key that is no string as Kubernetes stores it: JSON keys are strings (``on:`` is
    ``"true"``, ``80:`` is ``"80"``; the two are different keys, not 1 and True)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _duplicate(mapping: Any, key_node: Any, file: str) -> None:
    """Kubernetes' YAML reader refuses a key written twice in one mapping; so do we (the
    last value silently winning would hide, say, a second ``privileged: true``).  The keys
    read here, up to the second, were all read once already: none is malformed."""
    wanted = key_text(key_node)
    first = next((k for k, _ in mapping.value if k.id == "scalar" and key_text(k) == wanted), key_node)
    raise InputError(file, key_node.start_mark.line + 1, duplicate_message(first, key_node))


def duplicate_message(first: Any, second: Any) -> str:
    # the key itself is not shown: a ConfigMap's key can be a token
    return (f"duplicate key at column {second.start_mark.column + 1} (first at line "
            f"{first.start_mark.line + 1}, column {first.start_mark.column + 1})")


def _mapping(
    node: Any, budget: Budget, depth: int, done: dict[int, tuple[Any, int]], active: set[int]
) -> dict[Any, Any]:
    """A mapping as Kubernetes' YAML reader (go-yaml v2) builds it: entries in the order
    written, a merge key ``<<`` setting its mapping's keys over those before it (of a list
    of mappings, the first wins), a later entry over a merged one.  (The YAML 1.1 merge
    spec lets explicit keys win wherever they stand; what the API server stores is what
    counts: ``privileged: false`` then ``<<: {privileged: true}`` is a privileged pod.)"""
    result: dict[Any, Any] = {}
    explicit: set[Any] = set()
    for key_node, value_node in node.value:
        if _tag(key_node) == _MERGE:
            source = construct(value_node, budget, depth + 1, done, active)
            sources = source if isinstance(source, list) else [source]
            for item in sources:
                if not isinstance(item, dict):
                    raise InputError(
                        budget.file, value_node.start_mark.line + 1, "merge key '<<' needs a mapping"
                    )
            for item in reversed(sources):
                result.update(item)
            continue
        if key_node.id != "scalar":
            raise InputError(
                budget.file,
                key_node.start_mark.line + 1,
                "a mapping key that is itself a mapping or list"
                + (" (unrendered Helm template?)" if key_node.id == "mapping" else ""),
            )
        key = _scalar(key_node, budget.file)
        if key.__class__ is not str and key is not None:
            key = _key_text(key)
        if key in explicit:
            _duplicate(node, key_node, budget.file)
        explicit.add(key)
        result[key] = construct(value_node, budget, depth + 1, done, active)
    return result


def _scalar(node: Any, file: str) -> Any:
    tag = _tag(node)
    value = node.value
    if tag == STR:
        return value
    try:
        if tag == _INT:
            if value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)
            return _go_int(value)  # 0400 is octal, 0x1F, 0o17, 1_000 ...
        if tag == _BOOL:
            if value.lower() not in _BOOLS:
                raise ValueError
            return value.lower() in ("true", "yes", "on", "y")
        if tag == _NULL:
            if value not in ("", "~", "null", "Null", "NULL"):
                raise ValueError
            return None
        if tag == _FLOAT:
            return _go_number(value)
    except ValueError:
        # never the value: a token tagged !!int would be printed whole
        name = tag.rsplit(":", 1)[-1]
        digits = value.lstrip("+-").replace("_", "")
        long = (digits.isascii() and digits.isdigit() and len(digits) > sys.get_int_max_str_digits()) \
            or (tag == _INT and number_tag(value) == _INT)  # a valid integer too long to write
        problem = LONG_NUMBER if long else f"a value read as !!{name} that is not a valid {name}"
        raise InputError(file, node.start_mark.line + 1, problem) from None
    # timestamps, binary, '=' and custom tags: Kubernetes turns them into strings
    return value
