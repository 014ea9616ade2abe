"""Fake but well-formed credentials planted in generated input, and the leak detector that
finds them (raw, base64-encoded, or any 12-character piece) in any output.

The values are made from a fixed-seed generator: they look real to a scanner (right prefix,
length, alphabet, checksum-free formats) but belong to nobody.  Failure messages never show
them: ``scrub`` replaces every planted piece with ``<planted:NAME>``.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass

PIECE = 12  # any 12-character piece of a planted value is a leak

_rng = random.Random(1313)
_ALNUM = string.ascii_letters + string.digits


def _pick(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


@dataclass(frozen=True)
class Planted:
    """One fake credential: ``name`` is what messages show instead of the value."""

    name: str
    value: str
    #: a format marker or a fixed shape says what it is; a password only says so by its key
    self_identifying: bool = True

    def forms(self) -> list[str]:
        """The value and its base64 encodings (standard and URL-safe, with and without padding)."""
        raw = self.value.encode()
        out = [self.value]
        for enc in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            out += [enc, enc.rstrip("=")]
        if "\n" in self.value:  # a PEM body line by line, as YAML and diffs show it
            out += [line for line in self.value.splitlines() if len(line) >= PIECE]
        return list(dict.fromkeys(out))


GITHUB_TOKEN = Planted("github-token", "ghp_" + _pick(_ALNUM, 36))
STORAGE_KEY = Planted("storage-key", base64.b64encode(_rng.randbytes(64)).decode())  # 88, ends ==
CONNECTION_KEY = Planted("connection-string-key", base64.b64encode(_rng.randbytes(64)).decode())
CONNECTION_STRING = (f"DefaultEndpointsProtocol=https;AccountName=contososhop;"
                     f"AccountKey={CONNECTION_KEY.value};EndpointSuffix=core.windows.net")
# DER of an RSA-2048 key starts 30 82 04 a3 02 01 00 02 82 01 01 00: "MIIEowIBAAKCAQEA"
PEM_BODY = base64.b64encode(bytes.fromhex("308204a3020100028201010000") + _rng.randbytes(1182)).decode()
PRIVATE_KEY = Planted(
    "private-key",
    "\n".join(PEM_BODY[i:i + 64] for i in range(0, len(PEM_BODY), 64)),
)
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PRIVATE_KEY.value}\n-----END RSA PRIVATE KEY-----\n"
PASSWORD = Planted("db-password", "Zq7" + _pick(_ALNUM, 17) + "!x", self_identifying=False)

ALL: tuple[Planted, ...] = (GITHUB_TOKEN, STORAGE_KEY, CONNECTION_KEY, PRIVATE_KEY, PASSWORD)

#: the texts a generator puts into a manifest, with the credential each carries
TEXTS: dict[str, Planted] = {
    GITHUB_TOKEN.value: GITHUB_TOKEN,
    STORAGE_KEY.value: STORAGE_KEY,
    CONNECTION_STRING: CONNECTION_KEY,
    PEM: PRIVATE_KEY,
    PASSWORD.value: PASSWORD,
}


#: the same in every RSA-2048 key: a corpus file's own test key must not count as a leak
_COMMON = "MIIEowIBAAKCAQEA"


def _pieces() -> dict[str, str]:
    found: dict[str, str] = {}
    for p in ALL:
        for form in p.forms():
            flat = form.replace("\n", "")
            for text in {form, flat}:
                for i in range(len(text) - PIECE + 1):
                    piece = text[i:i + PIECE]
                    if "\n" not in piece and piece not in _COMMON:
                        found.setdefault(piece, p.name)
    return found


PIECES: dict[str, str] = _pieces()


@dataclass(frozen=True)
class Leak:
    """Where a planted piece was found: the credential's name and the offset, never the text."""

    name: str
    offset: int

    def __str__(self) -> str:
        return f"{self.name} at offset {self.offset}"


#: credentials recognisable without their key: a diff's context lines can show the others
#: once a mutation has renamed the key (``DB_PASSWORD`` -> ``x``), and that is no leak
CONTEXT_FREE = frozenset(p.name for p in ALL if p.self_identifying)


def leaks(text: str, only: frozenset[str] | None = None) -> list[Leak]:
    """Every planted credential (of ``only``, by name) found in ``text``, first offset of each."""
    seen: dict[str, int] = {}
    for i in range(len(text) - PIECE + 1):
        name = PIECES.get(text[i:i + PIECE])
        if name is not None and name not in seen and (only is None or name in only):
            seen[name] = i
    return [Leak(n, o) for n, o in seen.items()]


def scrub(text: str) -> str:
    """``text`` with every planted piece replaced by ``<planted:NAME>`` (safe to print)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        name = PIECES.get(text[i:i + PIECE])
        if name is None:
            out.append(text[i])
            i += 1
            continue
        j = i
        while j < len(text) and PIECES.get(text[j:j + PIECE]) == name:
            j += 1
        out.append(f"<planted:{name}>")
        i = j + PIECE - 1
    return "".join(out)
