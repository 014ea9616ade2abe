"""The values the credentials scan passes around: leaves, detector results, candidates.

A ``Leaf`` is one string to scan with what surrounds it; a detector turns it into ``Hit``s
(the secret part and a label) or ``Nested`` values to scan in turn; a hit in its context
is a ``Candidate``, which is what the filters (``filters/``) judge.  This module imports
nothing of the family, so filters and detectors can both depend on it.  They are plain
classes, not dataclasses: generating a dataclass's methods costs more at start-up than a
short run spends on them.
"""

from __future__ import annotations

from typing import Any

from podwarden.model.paths import FieldPath
from podwarden.rules.api import Severity

Link = tuple[Any, str | int] | None  # (parent link, key): paths are built only for hits


def path_of(link: Link) -> FieldPath:
    """The field path a chain of links stands for."""
    parts: list[str | int] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))


class Leaf:
    """One string to scan and what surrounds it."""

    __slots__ = ("depth", "in_secret", "inner", "is_key", "key", "kind", "link", "text")

    def __init__(self, text: str, key: str, link: Link, kind: str, in_secret: bool = False, depth: int = 0,
                 inner: str = "", is_key: bool = False) -> None:
        self.text = text
        #: the name this value is given: map key, env var name, `name` of a name/value pair,
        #: preceding `--flag` of an args item; '' when none
        self.key = key
        self.link = link
        self.kind = kind
        #: a value of a committed Secret's data/stringData (reported by committed-secret)
        self.in_secret = in_secret
        #: decoding/embedding depth (0: as written in the manifest)
        self.depth = depth
        #: the key inside an embedded document, when the value came from one
        self.inner = inner
        #: the text is a mapping key, not a value: ``link`` is the mapping's (a path never
        #: holds a credential), and the key has no name of its own
        self.is_key = is_key

    @property
    def path(self) -> FieldPath:
        return path_of(self.link)

    def nested(self, text: str, key: str, inner: str | None = None) -> Leaf:
        """A value found inside this one (decoded, or a field of an embedded document)."""
        return Leaf(text, key, self.link, self.kind, self.in_secret, self.depth + 1,
                    self.inner if inner is None else inner, self.is_key)


class Hit:
    """What a detector found: the secret part of the leaf and what it is (a label).

    ``armored``: the value came from inside a validated private-key armor (the body
    decodes to a key structure), so look-alike heuristics (a certificate-like name, runs
    of one character) do not apply: the armor decides.  ``severity``, when set, replaces
    the rule's for this hit (a well-known default password is worse than another).
    ``weak_default``: a well-known default password (``admin``, ``changeme``) given as a
    value: the hazard itself, which filters of look-alike placeholders must not drop.
    """

    __slots__ = ("armored", "severity", "value", "weak_default", "what")

    def __init__(self, value: str, what: str, armored: bool = False, severity: Severity | None = None,
                 weak_default: bool = False) -> None:
        self.value = value
        self.what = what
        self.armored = armored
        self.severity = severity
        self.weak_default = weak_default


class Nested:
    """A value a detector found inside the leaf (decoded, or a field of an embedded
    document), to be scanned in turn: by every detector, or with ``same_detector`` by the
    one that found it only (the others already ran on the enclosing text)."""

    __slots__ = ("inner", "key", "same_detector", "text")

    def __init__(self, text: str, key: str, inner: str = "", same_detector: bool = False) -> None:
        self.text = text
        self.key = key
        self.inner = inner
        self.same_detector = same_detector


class Candidate:
    """A hit in its context, as the filters see it."""

    __slots__ = ("armored", "inner", "key", "kind", "leaf", "path", "rule_id", "value", "weak_default")

    def __init__(self, rule_id: str, value: str, key: str, leaf: str, path: FieldPath, kind: str,
                 inner: str = "", armored: bool = False, weak_default: bool = False) -> None:
        self.rule_id = rule_id
        self.value = value
        self.key = key
        self.leaf = leaf
        self.path = path
        self.kind = kind
        self.inner = inner
        #: from inside a validated private-key armor (see ``Hit.armored``)
        self.armored = armored
        #: a well-known default password (see ``Hit.weak_default``)
        self.weak_default = weak_default

    @property
    def names(self) -> str:
        """Every name around the value, lower-case: key, inner key and the path's keys."""
        parts = [self.key, self.inner, *(p for p in self.path if isinstance(p, str))]
        return " ".join(parts).lower()
