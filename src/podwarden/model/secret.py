"""Redacted credentials: what podwarden shows instead of a secret value.

A ``Redacted`` keeps only a fingerprint of the value (the length and a truncated keyed
hash, plus a short prefix only where the value starts with a published format marker such
as ``ghp_`` or ``AKIA``), never the value itself, so it can be printed, logged, stored in a
baseline or compared without revealing what it stands for.  A password or a random key
shows no character at all.

The hash is HMAC-SHA256 keyed with ``PODWARDEN_FINGERPRINT_KEY`` (a fixed project key
when unset, so baselines match across machines) and cut to 32 bits: enough to tell two
findings apart, too short to confirm a guessed password with any confidence.
"""

from __future__ import annotations

import os

_DEFAULT_KEY = b"podwarden credential fingerprint v1"


def _key() -> bytes:
    env = os.environ.get("PODWARDEN_FINGERPRINT_KEY")
    return env.encode() if env else _DEFAULT_KEY


def prefix_length(length: int) -> int:
    """How many leading characters a value of ``length`` may show."""
    if length < 12:
        return 0
    if length < 20:
        return 2
    return 4


#: documented fixed prefixes of token formats: showing them tells the type, not the secret
PUBLIC_MARKERS = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-",
    "xoxr-", "xoxs-", "AKIA", "ASIA", "AIza", "eyJ", "-----BEGIN", "DefaultEndpointsProtocol=",
    "Endpoint=", "AccountEndpoint=", "sv=", "https://", "http://", "postgres", "mysql://",
    "mongodb", "redis://", "amqp",
    # published prefixes of the formats the family reads beyond Azure
    "npm_", "pypi-", "sk_live_", "rk_live_", "SG.", "hvs.", "hvb.", "hvr.", "sha256~", "glrt-",
    "xoxe",
)


def fingerprint(value: str, prefix: bool = True) -> str:
    """``ghp_...(40)#1a2b3c4d``: format marker, length and keyed hash; never the value.

    Only a published marker is shown, cut to the length-dependent cap; ``prefix=False``
    shows no characters at all (for values made of several secrets)."""
    marker = next((m for m in PUBLIC_MARKERS if value.startswith(m)), "") if prefix else ""
    shown = marker[: prefix_length(len(value))]
    # a prefix is shown only when it is printable ASCII without spaces or quotes
    if not all(33 <= ord(ch) < 127 and ch not in "\"'\\" for ch in shown):
        shown = ""
    import hashlib  # only when a credential is found: not on every start-up
    import hmac

    digest = hmac.new(_key(), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:8]
    return f"{shown}...({len(value)})#{digest}"


class Redacted:
    """A secret value reduced to its fingerprint; ``str`` and ``repr`` show only that."""

    __slots__ = ("fingerprint", "length")

    def __init__(self, value: str) -> None:
        self.fingerprint = fingerprint(value)
        self.length = len(value)

    def __str__(self) -> str:
        return self.fingerprint

    def __repr__(self) -> str:
        return f"Redacted({self.fingerprint})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Redacted) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)
