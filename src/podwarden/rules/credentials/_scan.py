"""The credentials family's shared scan: every string leaf of an object, walked once.

Each detector module (one per credential format) registers a ``Detector`` here with the
cheap *markers* (lower-case substrings) or *key names* that make it worth running; the
scan walks an object once, runs a leaf through the detectors only when one of those
prefilters matches, passes every candidate through the filters (``filters/``), and
caches the resulting violations per rule id in ``KubeObject.memo``.  Each rule's check
then just reads its own share, so enabling the whole family costs one walk per object.

Values never leave this module in clear: a candidate becomes a ``Violation`` whose
``secret`` is a redacted fingerprint and whose message names keys, never values.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib
import json
import math
import pkgutil
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from podwarden.model.objects import without_per_object_metadata
from podwarden.model.secret import fingerprint
from podwarden.rules.api import FieldPath, KubeObject, Rule, Violation

MEMO_KEY = "credentials.scan"
#: the shortest value any detector looks at
MIN_LENGTH = 8
#: nested decoding (base64 in base64, JSON in a string ...) stops here
MAX_DEPTH = 3
#: embedded documents larger than this are scanned by markers only, not parsed
MAX_EMBEDDED = 1 << 20

Link = tuple[Any, str | int] | None  # (parent link, key): paths are built only for hits


def path_of(link: Link) -> FieldPath:
    parts: list[str | int] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))


@dataclass(slots=True)
class Leaf:
    """One string to scan and what surrounds it."""

    text: str
    #: the name this value is given: map key, env var name, `name` of a name/value pair,
    #: preceding `--flag` of an args item; '' when none
    key: str
    link: Link
    kind: str
    #: a value of a committed Secret's data/stringData (reported by committed-secret)
    in_secret: bool = False
    #: decoding/embedding depth (0: as written in the manifest)
    depth: int = 0
    #: the key inside an embedded document, when the value came from one
    inner: str = ""

    @property
    def path(self) -> FieldPath:
        return path_of(self.link)

    def nested(self, text: str, key: str, inner: str | None = None) -> Leaf:
        """A value found inside this one (decoded, or a field of an embedded document)."""
        return Leaf(text, key, self.link, self.kind, self.in_secret, self.depth + 1,
                    self.inner if inner is None else inner)


@dataclass(frozen=True, slots=True)
class Hit:
    """What a detector found: the secret part of the leaf and what it is (a label)."""

    value: str
    what: str


@dataclass(frozen=True, slots=True)
class Nested:
    """A value a detector found inside the leaf (decoded, or a field of an embedded
    document), to be scanned in turn: by every detector, or with ``same_detector`` by the
    one that found it only (the others already ran on the enclosing text)."""

    text: str
    key: str
    inner: str = ""
    same_detector: bool = False


@dataclass(slots=True)
class Candidate:
    """A hit in its context, as the filters see it."""

    rule_id: str
    value: str
    key: str
    leaf: str
    path: FieldPath
    kind: str
    inner: str = ""

    @property
    def names(self) -> str:
        """Every name around the value, lower-case: key, inner key and the path's keys."""
        parts = [self.key, self.inner, *(p for p in self.path if isinstance(p, str))]
        return " ".join(parts).lower()


DetectFn = Callable[[Leaf], Iterable[Hit | Nested]]


@dataclass(slots=True)
class Detector:
    rule_id: str
    fn: DetectFn
    markers: tuple[str, ...]
    keys: re.Pattern[str] | None
    #: also run inside committed Secrets (format-specific detectors do; generic does not)
    in_secrets: bool = True
    #: runs after the others and skips values they already reported
    fallback: bool = False


_DETECTORS: list[Detector] = []


def detector(
    rule: Rule, markers: Sequence[str] = (), keys: str | None = None,
    in_secrets: bool = True, fallback: bool = False,
) -> Callable[[DetectFn], DetectFn]:
    """Register the decorated function as ``rule``'s detector.

    ``markers``: lower-case substrings, one of which must occur in a leaf for the
    detector to run; ``keys``: a regex on the normalised key name (lower-case, letters
    and digits only) that makes it run whatever the text.
    """

    def register(fn: DetectFn) -> DetectFn:
        if any(m != m.lower() for m in markers):
            raise ValueError(f"{rule.id}: markers must be lower-case")
        if not any(d.rule_id == rule.id for d in _DETECTORS):
            _DETECTORS.append(Detector(rule.id, fn, tuple(markers),
                                       re.compile(keys) if keys else None, in_secrets, fallback))
            _plan.cache_clear()
        return fn

    return register


def _is_bare_flag(item: str) -> bool:
    """``--password`` (its value is the next item), not ``--port=80``."""
    return item.startswith("-") and "=" not in item and " " not in item and len(item) < 64


def _load_detectors() -> None:
    """Import every module of the family, so every detector is registered."""
    package = importlib.import_module("podwarden.rules.credentials")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg and not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


@dataclass(slots=True)
class _Plan:
    prefilter: re.Pattern[str]
    by_marker: list[tuple[tuple[str, ...], Detector]]
    keyed: list[Detector]


@functools.lru_cache(maxsize=1)
def _plan() -> _Plan:
    _load_detectors()
    detectors = sorted(_DETECTORS, key=lambda d: (d.fallback, d.rule_id))
    markers = sorted({m for d in detectors for m in d.markers}, key=len, reverse=True)
    # markers are lower-case and searched in lower-cased text: a case-sensitive pattern
    # lets the regex engine skip ahead on first characters (about 7x faster than re.I)
    prefilter = re.compile("|".join(re.escape(m) for m in markers) or "(?!)")
    return _Plan(prefilter, [(d.markers, d) for d in detectors if d.markers],
                 [d for d in detectors if d.keys is not None])


@functools.lru_cache(maxsize=8192)
def normalise(key: str) -> str:
    """``DB_Password`` -> ``dbpassword``: how key patterns see a name."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


@functools.lru_cache(maxsize=8192)
def _keyed(key: str) -> tuple[Detector, ...]:
    norm = normalise(key)
    if not norm:
        return ()
    return tuple(d for d in _plan().keyed if d.keys is not None and d.keys.search(norm))


# -- helpers detectors share ----------------------------------------------------------------


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_B64_TEXT = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def b64decode_text(text: str) -> str | None:
    """The UTF-8 text a base64 (standard or URL-safe) string encodes, or None."""
    compact = "".join(text.split())
    if len(compact) < 4 or not _B64_TEXT.match(compact):
        return None
    compact += "=" * (-len(compact) % 4)
    try:
        raw = (base64.urlsafe_b64decode(compact) if ("-" in compact or "_" in compact)
               else base64.b64decode(compact, validate=True))
    except (binascii.Error, ValueError):
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in decoded):
        return None
    return decoded


_PAIR = re.compile(r"\s*([A-Za-z][A-Za-z0-9 _.-]*?)\s*=\s*(.*)", re.S)


def connection_pairs(text: str, sep: str = ";") -> dict[str, str]:
    """``A=1;B=2`` -> ``{"a": "1", "b": "2"}`` (names lower-case, values as written)."""
    out: dict[str, str] = {}
    for part in text.split(sep):
        match = _PAIR.fullmatch(part)
        if match:
            out.setdefault(match.group(1).lower().replace(" ", ""), match.group(2).strip())
    return out


_CONN_STRING = re.compile(r"(?:[A-Za-z][A-Za-z0-9 _.-]*=[^;\s\"']*;){1,}[A-Za-z][A-Za-z0-9 _.-]*=[^;\s\"']*;?")


def connection_strings(text: str) -> Iterator[str]:
    """Every ``Name=Value;Name=Value`` run inside ``text`` (quotes and spaces end it)."""
    for match in _CONN_STRING.finditer(text):
        yield match.group(0)


#: a 64-byte key in base64 (storage, Cosmos DB): 86 characters and ``==``
KEY_88 = re.compile(r"^[A-Za-z0-9+/]{86}==$")


def identifiable_88(signature: str) -> re.Pattern[str]:
    """Microsoft's identifiable 88-character key: 76 base64 characters, the service's
    four-character signature, five more, a checksum-derived character and ``==``."""
    return re.compile(
        rf"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{{76}}{re.escape(signature)}[A-Za-z0-9+/]{{5}}[AQgw]=="
    )


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


def keyed_key_88(leaf: Leaf, keyed: re.Pattern[str]) -> str | None:
    """The value of a leaf whose name matches ``keyed`` when it is a bare 88-character key."""
    value = leaf.text.strip()
    if leaf.key and keyed.search(normalise(leaf.key)) and KEY_88.match(value):
        return value
    return None


# -- names and values -----------------------------------------------------------------------

SECRET_WORDS = (
    r"password|passwd|passphrase|^pwd|pwd$|dbpass|secret|token|apikey|accesskey|authkey|privatekey|"
    r"clientkey|signingkey|encryptionkey|masterkey|accountkey|sharedkey|servicekey|storagekey|"
    r"credential|creds$|connectionstring|connstr|sastoken|saskey|^sas$|bearer|sessionkey|hmackey|"
    r"licensekey|secretkey"
)
_SECRET_NAME = re.compile(SECRET_WORDS)
#: names of settings *about* a secret (normalised: lower-case, letters and digits only)
_NOT_SECRET = re.compile(
    r"(?:name|names|id|ids|file|files|filename|path|paths|dir|directory|url|uri|urls|endpoint|"
    r"host|hostname|port|header|headername|format|length|size|ttl|timeout|expiry|expiration|"
    r"expires|expiresin|lifetime|duration|seconds|minutes|period|interval|enabled|enable|disabled|"
    r"required|alg|algorithm|rotation|ref|refs|reference|version|type|policy|mode|mount|"
    r"mountpath|volume|store|provider|issuer|audience|scope|scopes|count|namespace|label|"
    r"selector|field|fields|source|template|prefix|suffix|annotation|class|kind|method|"
    r"location|generator|hash|checksum|digest|sha|mask|regex|pattern|description|help|"
    r"text|title|message|query|param|parameter|key(?:name|ref)|keys|secrets|tokens|passwords|"
    r"usage|encoding|charset|strength|complexity|minlength|maxlength|policyname|role|"
    r"user|username|login|email|account|accountname|server|database|image|env|envs|time|mtime|"
    r"date|updated|created|modified|at)$"
    r"|^(?:public|csrf|xsrf|primary|show|use|enable|disable|is|has|allow|require|generate|skip|"
    r"insecure|no|with|create|auto|rotate|sync|mount|default(?:mode)?|cert)"
)
_IDENTIFIER = re.compile(
    r"^[a-z][a-z0-9]*(?:[-_.:/][a-z0-9]+)+$"          # kebab, snake, dotted, paths: names
    r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"               # CONSTANT_CASE
    r"|^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*\d{0,4}$"         # words in camelCase (no nested
    #                                                   quantifier: it must never backtrack)
    r"|^[^@\s]+@[^@\s]+\.[a-z]{2,}$"                  # e-mail addresses
)
#: ``Name=Value;Name=...``: a connection string, judged by its parts (connection-string rules)
_PAIRS = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]*=[^;]*;[A-Za-z][A-Za-z0-9 _.-]*=")


def is_secret_name(name: str) -> bool:
    """True when a field's name says its value is secret."""
    norm = normalise(name)
    return bool(norm) and _SECRET_NAME.search(norm) is not None and _NOT_SECRET.search(norm) is None


def looks_random(value: str) -> bool:
    """True when a value looks generated rather than a word, a name or a setting."""
    n = len(value)
    if n < 8 or n > 512 or any(ch.isspace() for ch in value) or "://" in value:
        return False
    classes = (any(ch.islower() for ch in value) + any(ch.isupper() for ch in value)
               + any(ch.isdigit() for ch in value) + any(not ch.isalnum() for ch in value))
    if classes < 2 or _IDENTIFIER.match(value) or _PAIRS.match(value):
        return False
    floor = 2.7 if n < 12 else 3.0 if n < 20 else 3.3 if n < 40 else 3.5
    return entropy(value) >= floor



# -- the scan -------------------------------------------------------------------------------


class Scanner:
    """Walks one object's strings and turns detector hits into violations."""

    def __init__(self, filters: Sequence[Callable[[Candidate], bool]] | None = None) -> None:
        if filters is None:
            from podwarden.rules.credentials.filters import all_filters

            filters = [f.applies for f in all_filters()]
        self.filters = list(filters)
        self.plan = _plan()

    def scan(self, obj: KubeObject) -> dict[str, list[Violation]]:
        """Violations per rule id for one object (each secret once per rule)."""
        self.kind = obj.kind
        self.found: dict[str, list[Violation]] = {}
        self.seen: set[tuple[str, str]] = set()
        self.seen_values: set[str] = set()
        self.fallback: list[tuple[Detector, Leaf]] = []
        # what the API server writes on each object (names, managedFields) is no credential
        # of the manifest's, and the webhook never sees it: skipped, so both agree
        self._walk_map(without_per_object_metadata(obj.data), None, 0)
        for det, leaf in self.fallback:
            self._run(det, leaf)
        return self.found

    # walking ----------------------------------------------------------------------------

    def _walk_map(self, data: dict[Any, Any], link: Link, depth: int) -> None:
        # a {name: X, value: Y} pair (env, params, Helm parameters) names its value
        pair_name = data.get("name") if "value" in data else None
        for k, v in data.items():
            if type(v) is str:
                key = pair_name if (k == "value" and type(pair_name) is str) else str(k)
                if len(v) >= MIN_LENGTH:
                    self._leaf(v, key, (link, str(k)))
            elif type(v) is dict:
                child = (link, str(k))
                if depth == 0 and self.kind == "Secret" and k in ("data", "stringData"):
                    self._secret_data(v, child, k == "data")
                elif depth == 0 and k == "binaryData":
                    self._binary_data(v, child)
                else:
                    self._walk_map(v, child, depth + 1)
            elif type(v) is list:
                self._walk_list(v, (link, str(k)), str(k), depth + 1)

    def _walk_list(self, items: list[Any], link: Link, key: str, depth: int) -> None:
        previous = ""
        for i, v in enumerate(items):
            if type(v) is str:
                if len(v) >= MIN_LENGTH:
                    # `--password`, `secret` as the item before names this one
                    name = previous if _is_bare_flag(previous) and not v.startswith("-") else key
                    self._leaf(v, name, (link, i))
                previous = v
            else:
                previous = ""
                if type(v) is dict:
                    self._walk_map(v, (link, i), depth + 1)
                elif type(v) is list:
                    self._walk_list(v, (link, i), key, depth + 1)

    def _secret_data(self, data: dict[Any, Any], link: Link, encoded: bool) -> None:
        for k, v in data.items():
            if type(v) is not str or not v:
                continue
            text = b64decode_text(v) if encoded else v
            if text is None:
                continue  # binary (a keystore, a PFX): committed-secret reports it
            self._leaf_text(Leaf(text, str(k), (link, str(k)), self.kind, True, 1 if encoded else 0))

    def _binary_data(self, data: dict[Any, Any], link: Link) -> None:
        for k, v in data.items():
            if type(v) is str:
                text = b64decode_text(v)
                if text is not None:
                    self._leaf_text(Leaf(text, str(k), (link, str(k)), self.kind, False, 1))

    # one string --------------------------------------------------------------------------

    def _leaf(self, text: str, key: str, link: Link) -> None:
        low = text.lower()
        if self.plan.prefilter.search(low) is not None or (key and _keyed(key)):
            self._leaf_text(Leaf(text, key, link, self.kind), low=low)

    def _leaf_text(self, leaf: Leaf, low: str | None = None) -> None:
        """Run the detectors a leaf's markers or key call for."""
        text = leaf.text
        if len(text) < MIN_LENGTH and not leaf.in_secret:
            return
        if low is None:
            low = text.lower()
        ran: set[str] = set()
        for markers, det in self.plan.by_marker:
            if leaf.in_secret and not det.in_secrets:
                continue
            for m in markers:
                if m in low:
                    ran.add(det.rule_id)
                    self._schedule(det, leaf)
                    break
        if leaf.key:
            for det in _keyed(leaf.key):
                if det.rule_id not in ran and (det.in_secrets or not leaf.in_secret):
                    self._schedule(det, leaf)

    def _schedule(self, det: Detector, leaf: Leaf) -> None:
        if det.fallback:
            self.fallback.append((det, leaf))
        else:
            self._run(det, leaf)

    def _run(self, det: Detector, leaf: Leaf) -> None:
        for hit in det.fn(leaf):
            if isinstance(hit, Nested):
                if leaf.depth < MAX_DEPTH:
                    inner = leaf.nested(hit.text, hit.key, hit.inner or None)
                    if hit.same_detector:
                        self._run(det, inner)
                    else:
                        self._leaf_text(inner)
            else:
                self.report(det.rule_id, leaf, hit, fallback=det.fallback)

    def report(self, rule_id: str, leaf: Leaf, hit: Hit, fallback: bool = False) -> None:
        """Filter a hit and, if it survives, record it as a violation of ``rule_id``."""
        if not hit.value:
            return
        path = leaf.path
        candidate = Candidate(rule_id, hit.value, leaf.key, leaf.text, path, leaf.kind, leaf.inner)
        for applies in self.filters:
            if applies(candidate):
                return
        secret = fingerprint(hit.value)
        if fallback and any(seen in hit.value for seen in self.seen_values):
            return  # a format-specific rule already reported this value (or a part of it)
        if (rule_id, secret) in self.seen:
            return
        self.seen.add((rule_id, secret))
        self.seen_values.add(hit.value)
        self.found.setdefault(rule_id, []).append(
            Violation(path, f"{hit.what} in {describe(leaf)}", secret=secret))


def filters_say_not_secret(candidate: Candidate) -> bool:
    """True when any filter recognises the candidate as no credential."""
    from podwarden.rules.credentials.filters import all_filters

    return any(f.applies(candidate) for f in all_filters())


def scan(obj: KubeObject, filters: Sequence[Callable[[Candidate], bool]] | None = None) -> dict[str, list[Violation]]:
    """Scan one object (uncached): violations per rule id."""
    return Scanner(filters).scan(obj)


def violations(obj: KubeObject, rule_id: str) -> list[Violation]:
    """``rule_id``'s violations on ``obj``, from the object's one cached scan."""
    found = obj.memo.get(MEMO_KEY)
    if found is None:
        found = obj.memo[MEMO_KEY] = scan(obj)
    return found.get(rule_id, [])


def describe(leaf: Leaf) -> str:
    """Where a value sits, in words, for messages: names of keys, never values."""
    path = leaf.path
    if len(path) >= 3 and path[-1] == "value" and path[-3] == "env":
        where = f'env "{leaf.key}"'
    elif len(path) >= 3 and path[0] == "metadata" and path[1] in ("annotations", "labels"):
        where = f'{"annotation" if path[1] == "annotations" else "label"} "{path[2]}"'
    elif len(path) >= 2 and isinstance(path[-1], int) and path[-2] in ("args", "command"):
        where = f"{path[-2]}[{path[-1]}]"
    elif len(path) >= 2 and path[-2] in ("data", "stringData", "binaryData") and len(path) == 2:
        where = f'{path[-2]} "{path[-1]}"'
    elif leaf.key:
        where = f'"{leaf.key}"'
    else:
        where = "a string"
    if leaf.inner and leaf.inner != leaf.key:
        where += f' (key "{leaf.inner}")'
    return where


def parse_json(text: str) -> Any:
    """A JSON document inside a string, or None."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")) or len(stripped) > MAX_EMBEDDED:
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None
