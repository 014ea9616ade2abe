"""The detector registry: which detector runs on which leaf.

Each detector module (one per credential format) registers its function here with the
cheap *markers* (lower-case substrings) or *key names* that make it worth running.  The
plan, built once, combines every marker into one prefilter, so a leaf that holds none of
them and has no secret-sounding name costs one regex search, and one dict lookup when its
text was seen before in the run (``_memo``).
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterable, Sequence

from podwarden.rules.api import Rule
from podwarden.rules.credentials._leaf import Hit, Leaf, Nested
from podwarden.rules.credentials._memo import BoundedSet, TextMemo
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import LazyPattern, lazy
from podwarden.rules.credentials._text import B64_MIN, b64_runs, b64decode_text

#: the shortest value a detector looks at, unless it asks for shorter ones
MIN_LENGTH = 8

#: ``Plan.key_rule`` remembers names up to this long, this many at most
CACHED_LENGTH = 256
CACHED_VALUES = 1 << 15
#: ``Plan.holds_marker``, ``Plan.marked`` and ``Plan.decoded_runs`` remember texts up to
#: this long, this many characters in all
CACHED_TEXT = 1 << 14
CACHED_CHARS = 1 << 21
#: ``Plan.holds_marker`` searches this many short texts marker by marker before it compiles
#: the prefilter (compiling it costs about as much as searching a hundred texts so)
PREFILTER_AFTER = 100
#: ... so does ``keyed`` before it compiles all key patterns in one
KEYED_AFTER = 200
SHORT_TEXT = 256

DetectFn = Callable[[Leaf], Iterable[Hit | Nested]]


class Detector:
    """A rule's detector and when it runs."""

    __slots__ = ("fallback", "fn", "in_labels", "in_secrets", "keys", "markers", "min_length", "rank",
                 "rule_id")

    def __init__(self, rule_id: str, fn: DetectFn, markers: tuple[str, ...], keys: LazyPattern | None,
                 in_secrets: bool = True, rank: int = 0, min_length: int = MIN_LENGTH,
                 in_labels: bool = True) -> None:
        self.rule_id = rule_id
        self.fn = fn
        self.markers = markers
        self.keys = keys
        #: also run inside committed Secrets (format-specific detectors do; generic ones do not)
        self.in_secrets = in_secrets
        #: 0: a format detector; higher ranks run after every lower one, and skip values a
        #: lower-ranked rule already reported at the same place
        self.rank = rank
        self.fallback = rank > 0
        #: the shortest leaf it looks at
        self.min_length = min_length
        #: what it finds in a label of the object (``metadata.labels``) counts; False: labels
        #: are public metadata, and its findings there are dropped
        self.in_labels = in_labels


_DETECTORS: list[Detector] = []


def detector(
    rule: Rule, markers: Sequence[str] = (), keys: str | None = None,
    in_secrets: bool = True, rank: int = 0, min_length: int = MIN_LENGTH, in_labels: bool = True,
) -> Callable[[DetectFn], DetectFn]:
    """Register the decorated function as ``rule``'s detector.

    ``markers``: lower-case substrings, one of which must occur in a leaf for the
    detector to run; ``keys``: a regex on the normalised key name (lower-case, letters
    and digits only) that makes it run whatever the text; ``rank``: see ``Detector``.
    """

    def register(fn: DetectFn) -> DetectFn:
        if any(m != m.lower() for m in markers):
            raise ValueError(f"{rule.id}: markers must be lower-case")
        if not any(d.rule_id == rule.id for d in _DETECTORS):
            _DETECTORS.append(Detector(rule.id, fn, tuple(markers), lazy(keys) if keys else None,
                                       in_secrets, rank, min_length, in_labels))
            plan.cache_clear()
            keyed.cache_clear()
            shortest_for.cache_clear()
        return fn

    return register


def _load_detectors() -> None:
    """Import every rule module of the family, so every detector is registered."""
    from podwarden.rules.registry import RULE_MODULES

    for name in RULE_MODULES["credentials"]:
        importlib.import_module(f"podwarden.rules.credentials.{name}")


class Plan:
    """Which detector runs on which leaf, with what the scan remembers of texts and names."""

    def __init__(self, detectors: list[Detector]) -> None:
        self.by_marker = [(d.markers, d) for d in detectors if d.markers]
        #: per marker: the detectors it calls for, in plan order (``_marked`` joins them)
        self.called_by: dict[str, tuple[Detector, ...]] = {}
        for markers, d in self.by_marker:
            for m in dict.fromkeys(markers):
                self.called_by[m] = (*self.called_by.get(m, ()), d)
        self.order = {d: i for i, (_, d) in enumerate(self.by_marker)}
        self.keyed = [d for d in detectors if d.keys is not None]
        #: every key pattern in one (most names match none of them)
        self.any_key = lazy("|".join(dict.fromkeys(f"(?:{d.keys.pattern})" for d in self.keyed if d.keys))
                            or "(?!)")
        #: what ``key_rule`` says, one tuple per distinct answer (they stay in the CPU's cache)
        self.answers: dict[tuple[bool, int], tuple[bool, int]] = {}
        #: the highest rank: fallback detectors run rank by rank after the scan
        self.ranks = max((d.rank for d in detectors), default=0)
        self.markers = tuple(sorted({m for d in detectors for m in d.markers}))
        #: texts ``holds_marker`` may still search marker by marker, and names ``keyed`` may
        #: still search pattern by pattern
        self.unfiltered = PREFILTER_AFTER
        self.unkeyed = KEYED_AFTER
        #: per name already seen: what ``key_rule`` says of it, and ``reads_key``
        self.key_rules: dict[str, tuple[bool, int]] = {}
        self.key_reads: dict[str, bool] = {}
        # descriptions, scripts and documents repeat across objects: read once per run
        #: per distinct string: does its lower-case text hold a marker (values repeat a lot:
        #: image names, labels, keys, descriptions)
        self.holds_marker = TextMemo(self._holds_marker, 2 * CACHED_CHARS, CACHED_TEXT, overhead=64)
        #: per distinct text: the detectors its markers call for, in plan order
        self.marked = TextMemo(self._marked, CACHED_CHARS, CACHED_TEXT)
        #: per distinct text: the base64 runs in it whose decoded text holds a marker, decoded
        self.decoded_runs = TextMemo(self._decoded_runs, CACHED_CHARS, CACHED_TEXT)
        #: (text, name) of strings written in a manifest that gave nothing at all: no
        #: detector's result, no base64 run to read (``Scanner`` skips them when they recur)
        self.barren: BoundedSet[tuple[str, str]] = BoundedSet(2 * CACHED_CHARS)

    @functools.cached_property
    def by_anchor(self) -> dict[str, tuple[str, ...]]:
        """Per character: the markers it is the rarest character of (``_anchor``); a text
        without the character holds none of them."""
        groups: dict[str, tuple[str, ...]] = {}
        for m in self.markers:
            char = m[_anchor(m)]
            groups[char] = (*groups.get(char, ()), m)
        return groups

    @functools.cached_property
    def prefilter(self) -> re.Pattern[str]:
        """A pattern found where any marker is (built when a run first needs it).

        Markers are lower-case and searched in lower-cased text: a case-sensitive pattern
        lets the regex engine skip ahead to the characters a match may start with (about 7x
        faster than re.I), and with ``_anchored`` those are few and rare.
        """
        return re.compile(_anchored(self.by_anchor) if self.markers else "(?!)")

    def _holds_marker(self, text: str) -> bool:
        low = text.lower()
        if self.unfiltered > 0 and len(low) <= SHORT_TEXT:
            self.unfiltered -= 1
            return any(map(low.__contains__, self.markers))
        return self.prefilter.search(low) is not None

    def key_rule(self, name: str) -> tuple[bool, int]:
        """What the scan does with a mapping key or name of a string: whether to read the
        key itself (``reads_key``), and the shortest value the detectors the name calls for
        read whatever the value (-1: none)."""
        rule = self.key_rules.get(name)
        if rule is None:
            rule = (self.reads_key(name), shortest_for(name) if keyed(name) else -1)
            rule = self.answers.setdefault(rule, rule)
            if len(name) <= CACHED_LENGTH:
                if len(self.key_rules) >= CACHED_VALUES:
                    self.key_rules.clear()
                self.key_rules[name] = rule
        return rule

    def reads_key(self, name: str) -> bool:
        """Whether the scan reads a mapping key itself as a leaf: its text holds a marker, or
        it is long enough to be base64.  (The key of a mapping or a list needs no more: many
        are named once, as a schema's properties are, and finding the detectors a name
        calls for costs more.)"""
        reads = self.key_reads.get(name)
        if reads is None:
            n = len(name)
            reads = n >= MIN_LENGTH and (self.holds_marker(name) or n >= B64_MIN)
            if n <= CACHED_LENGTH:
                if len(self.key_reads) >= CACHED_VALUES:
                    self.key_reads.clear()
                self.key_reads[name] = reads
        return reads

    def _marked(self, text: str) -> tuple[Detector, ...]:
        # marker by marker, of the rare characters the text holds: the texts that hold a
        # marker are few, and a pattern finding every marker at each position costs more to
        # search (and to compile) than they do
        low = text.lower()
        present = {m for char, markers in self.by_anchor.items() if char in low for m in markers if m in low}
        if not present:
            return ()
        if len(present) == 1:
            return self.called_by[present.pop()]
        called = {d for m in present for d in self.called_by[m]}
        return tuple(sorted(called, key=self.order.__getitem__))

    def _decoded_runs(self, text: str) -> tuple[str, ...]:
        found = []
        for run in b64_runs(text):
            decoded = b64decode_text(run)
            if decoded is not None and self._holds_marker(decoded):
                found.append(decoded)
        return tuple(found)


#: characters by how often they occur in manifests' strings (lower-cased), most often first;
#: any other is rarer
_COMMON = ' etaosrinc"ldpu-m\n.b:fhg,yv01/'


def _rarity(char: str) -> int:
    """How common a character is in manifests' strings (0: rare)."""
    i = _COMMON.find(char)
    return len(_COMMON) - i if i >= 0 else 0


def _anchor(word: str) -> int:
    """Where the first of ``word``'s rarest characters is."""
    return min(range(len(word)), key=lambda j: _rarity(word[j]))


def _anchored(by_anchor: dict[str, tuple[str, ...]]) -> str:
    """A regex found where any of the words (non-empty, per the character ``_anchor``
    chooses) is, each matched from that character (``token`` as ``k`` then ``en``, then a
    look back at ``token``).

    The regex engine tries a pattern at each character a match may start with: from the
    first characters of the words (``s`` of ``secret``, ``t`` of ``token``) at half of a
    text's characters, from their rarest at a fifth.
    """
    branches = []
    for char, words in sorted(by_anchor.items()):
        rests = []
        for word in words:
            i = word.index(char)
            rests.append(re.escape(word[i + 1:]) + (f"(?<={re.escape(word)})" if i else ""))
        # a literal first rules a branch out at once, a look back only once it has run
        rests.sort(key=lambda rest: (rest.startswith("(?<="), rest))
        branches.append(re.escape(char) + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
    return "(?:" + "|".join(branches) + ")"


@functools.lru_cache(maxsize=1)
def plan() -> Plan:
    """Every registered detector, ordered by rank then rule id, and the marker prefilter."""
    _load_detectors()
    return Plan(sorted(_DETECTORS, key=lambda d: (d.rank, d.rule_id)))


@functools.lru_cache(maxsize=8192)
def keyed(key: str) -> tuple[Detector, ...]:
    """The detectors a key name calls for, whatever the value."""
    norm = normalise(key)
    if not norm:
        return ()
    found = plan()
    if found.unkeyed > 0:
        found.unkeyed -= 1
    elif found.any_key.search(norm) is None:
        return ()
    return tuple(d for d in found.keyed if d.keys is not None and d.keys.search(norm))


@functools.lru_cache(maxsize=8192)
def shortest_for(key: str) -> int:
    """The shortest value any detector looks at under this name."""
    return min((d.min_length for d in keyed(key)), default=MIN_LENGTH) if key else MIN_LENGTH
