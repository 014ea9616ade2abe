"""Text helpers the detectors share: entropy, base64 layers, connection strings, embedded
JSON, Microsoft's identifiable 88-character keys."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from podwarden.rules.credentials._pattern import LazyPattern, lazy

#: embedded documents larger than this are scanned by markers only, not parsed
MAX_EMBEDDED = 1 << 20


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


#: a base64 run this long, whole or after `key:` / `key=` in a document, is decoded and
#: its text scanned when it holds a marker (a kubeconfig or a PEM carried as base64)
B64_MIN = 96
B64_RUN = lazy(rf"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{{{B64_MIN},}}={{0,2}}(?![A-Za-z0-9+/=])")


def b64_runs(text: str) -> Iterator[str]:
    """Every base64 run in ``text`` (``B64_RUN``), in order.

    A run holds no whitespace, so it lies in one whitespace-separated word of ``B64_MIN``
    characters or more, and is found searching that word alone: where the word ends, the
    text has whitespace or ends, and the run's bounds hold either way.  (The pattern is
    tried at each character it searches, and most long texts are prose or indented
    documents: words too short to search.)
    """
    for word in text.split():
        if len(word) >= B64_MIN:
            for match in B64_RUN.finditer(word):
                yield match.group(0)


_B64_TEXT = lazy(r"^[A-Za-z0-9+/_-]+={0,2}$")


def b64decode_bytes(text: str) -> bytes | None:
    """The bytes a base64 (standard or URL-safe) string encodes, or None."""
    compact = "".join(text.split())
    if len(compact) < 4 or not _B64_TEXT.match(compact):
        return None
    compact += "=" * (-len(compact) % 4)
    try:
        return (base64.urlsafe_b64decode(compact) if ("-" in compact or "_" in compact)
                else base64.b64decode(compact, validate=True))
    except (binascii.Error, ValueError):
        return None


def b64decode_text(text: str) -> str | None:
    """The UTF-8 text a base64 (standard or URL-safe) string encodes, or None."""
    raw = b64decode_bytes(text)
    if raw is None:
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in decoded):
        return None
    return decoded


_PAIR = lazy(r"\s*([A-Za-z][A-Za-z0-9 _.-]*?)\s*=\s*(.*)", re.S)


def connection_pairs(text: str, sep: str = ";") -> dict[str, str]:
    """``A=1;B=2`` -> ``{"a": "1", "b": "2"}`` (names lower-case, values as written)."""
    out: dict[str, str] = {}
    for part in text.split(sep):
        match = _PAIR.fullmatch(part)
        if match:
            out.setdefault(match.group(1).lower().replace(" ", ""), match.group(2).strip())
    return out


#: (names of at most 64 characters: unbounded, a long run of words was read again from each
#: of its starts, a scan quadratic in the text)
_CONN_STRING = lazy(r"(?:[A-Za-z][A-Za-z0-9 _.-]{0,63}=[^;\s\"']*;){1,}[A-Za-z][A-Za-z0-9 _.-]{0,63}=[^;\s\"']*;?")


def connection_strings(text: str) -> Iterator[str]:
    """Every ``Name=Value;Name=Value`` run inside ``text`` (quotes and spaces end it)."""
    for match in _CONN_STRING.finditer(text):
        yield match.group(0)


def connection_keys(text: str, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """``(value of name, all pairs)`` for each connection string in ``text`` that has ``name``
    (lower-case, as connection_pairs keys are)."""
    if f"{name}=" not in text.lower():
        return
    for cs in connection_strings(text):
        pairs = connection_pairs(cs)
        value = pairs.get(name)
        if value is not None:
            yield value, pairs


#: a 64-byte key in base64 (storage, Cosmos DB): 86 characters and ``==``
KEY_88 = lazy(r"^[A-Za-z0-9+/]{86}==$")


def identifiable_88(signature: str) -> LazyPattern:
    """Microsoft's identifiable 88-character key: 76 base64 characters, the service's
    four-character signature, five more, a checksum-derived character and ``==``."""
    return lazy(
        rf"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{{76}}{re.escape(signature)}[A-Za-z0-9+/]{{5}}[AQgw]=="
    )


def parse_json(text: str) -> Any:
    """A JSON document inside a string, or None."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")) or len(stripped) > MAX_EMBEDDED:
        return None
    import json  # here: most runs meet no JSON in a string

    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None
