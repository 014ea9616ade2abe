"""The credentials family's shared scan: every string leaf of an object, walked once.

The scan walks an object once, runs a leaf through the detectors its markers or its name
call for (``_detectors``), decodes base64 layers and follows embedded documents (bounded
by depth and by a budget of decoded text per object), passes every candidate through the
filters (``filters/``), and caches the resulting violations per rule id in
``KubeObject.memo``.  Each rule's check then just reads its own share, so enabling the
whole family costs one walk per object.

Every place a credential stands is reported (one violation per rule, value and path), so
users see each line to change; a credential written as a mapping key (an annotation named
by a token) is reported at the path of the mapping that holds it, since a path is printed
and must never hold a credential; a fallback rule (generic, hard-coded password) stays
quiet where a more specific rule already reported the value.

Values never leave this module in clear: a candidate becomes a ``Violation`` whose
``secret`` is a redacted fingerprint and whose message names keys, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from podwarden.model.objects import kept_metadata
from podwarden.model.secret import fingerprint
from podwarden.rules.api import FieldPath, KubeObject, SharedCheck, Violation
from podwarden.rules.credentials import filters as filter_modules
from podwarden.rules.credentials._detectors import B64_MIN, MIN_LENGTH, Detector, keyed, plan, shortest_for
from podwarden.rules.credentials._leaf import Candidate, Hit, Leaf, Link, Nested
from podwarden.rules.credentials._text import MAX_EMBEDDED, b64decode_text

MEMO_KEY = "credentials.scan"
#: nested decoding and embedding (a kubeconfig in a Helm values file in a Secret's base64
#: data holds its key four layers down) stops here ...
MAX_DEPTH = 6
#: ... or when an object's nested values add up to this many characters (hostile input:
#: base64 in base64, documents in documents, cannot make a scan do unbounded work)
NESTED_BUDGET = 8 * MAX_EMBEDDED


def _is_bare_flag(item: str) -> bool:
    """``--password`` (its value is the next item), not ``--port=80``."""
    return item.startswith("-") and "=" not in item and " " not in item and len(item) < 64


class Scanner:
    """Walks one object's strings and turns detector hits into violations."""

    def __init__(self, filters: Sequence[Callable[[Candidate], bool]] | None = None) -> None:
        #: the filters' functions; None: every filter's, looked up when a hit needs them
        self.given_filters = None if filters is None else list(filters)
        self.plan = found = plan()
        # the walk's lookups, bound once (the plan clears them in place)
        self.key_rules = found.key_rules
        self.key_reads = found.key_reads
        self.holds = found.holds_marker
        self.known = found.holds_marker.results
        self.barren = found.barren.items

    @property
    def filters(self) -> Sequence[Callable[[Candidate], bool]]:
        return _default_filters() if self.given_filters is None else self.given_filters

    def scan(self, obj: KubeObject) -> dict[str, list[Violation]]:
        """Violations per rule id for one object (each secret once per rule and place)."""
        self.kind = obj.kind
        self.found: dict[str, list[Violation]] = {}
        self.seen: set[tuple[str, str, FieldPath]] = set()
        #: values reported at each path (any rule): fallback rules skip them
        self.at_path: dict[FieldPath, _Reported] = {}
        self.fallback: list[tuple[Detector, Leaf]] = []
        self.budget = NESTED_BUDGET
        #: strings of the manifest read for the first time (not known to be barren) ...
        self.fresh: list[Leaf] = []
        #: ... and the leaves that gave something: a detector's result, a value to read
        self.fruitful: set[Leaf] = set()
        self._walk_map(obj.data, None, top=True)
        if self.fallback:
            for rank in range(1, self.plan.ranks + 1):
                i = 0
                while i < len(self.fallback):
                    det, leaf = self.fallback[i]
                    i += 1
                    if det.rank == rank:
                        self._run(det, leaf)
        barren = self.plan.barren
        for leaf in self.fresh:
            if leaf not in self.fruitful:
                barren.add((leaf.text, leaf.key), len(leaf.text) + len(leaf.key) + 64)
        return self.found

    # walking ----------------------------------------------------------------------------
    #
    # Most strings of a manifest are short, repeat across objects and call for no detector:
    # the walk decides each from what the plan remembers of its key (``Plan.key_rule``; of
    # the key of a mapping or a list, ``Plan.reads_key``) and of its text
    # (``Plan.holds_marker``), one dict lookup each, before it builds anything.

    def _mapping_key(self, k: Any, link: Link) -> None:
        """A mapping key: read by its markers (a key names nothing), reported at the
        mapping's path."""
        if isinstance(k, str) and self.plan.reads_key(k):
            self._written(k, "", link, True)

    def _name(self, k: Any) -> tuple[str, bool, int]:
        """A mapping key's name, whether to read the key, and the shortest value its name
        calls for (``Plan.key_rule``; a key that is no string is read by its text only)."""
        if isinstance(k, str):
            return (k, *self.plan.key_rule(k))
        name = str(k)
        return name, False, self.plan.key_rule(name)[1]

    def _walk_map(self, data: dict[Any, Any], link: Link, top: bool = False) -> None:
        key_rules = self.key_rules
        key_reads = self.key_reads
        known = self.known
        # a {name: X, value: Y} pair (env, params, Helm parameters) names its value
        pair_name = data.get("name") if "value" in data else None
        for k, v in data.items():
            if type(v) is str:
                try:
                    # names are remembered by their text: a key that is no string misses (one
                    # that is a str subclass, which no loader makes, is read as its text anyway)
                    scan_key, shortest = key_rules[k]
                    name = k
                except KeyError:
                    name, scan_key, shortest = self._name(k)
                if scan_key:
                    self._written(k, "", link, True)
                if pair_name is not None and k == "value" and type(pair_name) is str:
                    name_of_value = pair_name
                    shortest = self.plan.key_rule(pair_name)[1]
                else:
                    name_of_value = name
                n = len(v)
                if n < MIN_LENGTH:
                    # short values matter only under a name that calls for them
                    if shortest >= 0 and n and n >= shortest:
                        self._written(v, name_of_value, (link, name))
                    continue
                if shortest < 0:
                    hit = known.get(v)
                    if hit is None:
                        hit = self.holds(v)
                    if not hit:
                        if n >= B64_MIN:
                            self._layers(Leaf(v, name_of_value, (link, name), self.kind))
                        continue
                self._written(v, name_of_value, (link, name))
                continue
            # a mapping, a list or a scalar: its key is read for its text alone
            try:
                scan_key = key_reads[k]
                name = k
            except KeyError:
                name = k if isinstance(k, str) else str(k)
                scan_key = isinstance(k, str) and self.plan.reads_key(k)
            if scan_key:
                self._written(k, "", link, True)
            if type(v) is dict:
                if top:
                    self._top_map(k, v, (link, name))
                else:
                    self._walk_map(v, (link, name))
            elif type(v) is list:
                self._walk_list(v, (link, name), name)

    def _top_map(self, k: Any, data: dict[Any, Any], link: Link) -> None:
        """A mapping at the top of the object."""
        if self.kind == "Secret" and k in ("data", "stringData"):
            self._secret_data(data, link, k == "data")
        elif k == "binaryData":
            self._binary_data(data, link)
        else:
            if k == "metadata":
                # what the API server writes on each object (names, managedFields) is no
                # credential of the manifest's, and the webhook never sees it: skipped, so
                # both agree
                data = kept_metadata(data)
            self._walk_map(data, link)

    def _walk_list(self, items: list[Any], link: Link, key: str) -> None:
        key_rules = self.key_rules
        known = self.known
        previous = ""
        for i, v in enumerate(items):
            if type(v) is str:
                # `--password`, `secret` as the item before names this one
                if previous[:1] == "-" and _is_bare_flag(previous) and not v.startswith("-"):
                    name = previous
                else:
                    name = key
                try:
                    shortest = key_rules[name][1]
                except KeyError:
                    shortest = self.plan.key_rule(name)[1]
                previous = v
                n = len(v)
                if n < MIN_LENGTH:
                    if shortest >= 0 and n and n >= shortest:
                        self._written(v, name, (link, i))
                    continue
                if shortest < 0:
                    hit = known.get(v)
                    if hit is None:
                        hit = self.holds(v)
                    if not hit:
                        if n >= B64_MIN:
                            self._layers(Leaf(v, name, (link, i), self.kind))
                        continue
                self._written(v, name, (link, i))
            else:
                previous = ""
                if type(v) is dict:
                    self._walk_map(v, (link, i))
                elif type(v) is list:
                    self._walk_list(v, (link, i), key)

    def _secret_data(self, data: dict[Any, Any], link: Link, encoded: bool) -> None:
        for k, v in data.items():
            self._mapping_key(k, link)
            if type(v) is not str or not v:
                continue
            text = b64decode_text(v) if encoded else v
            if text is None:
                continue  # binary (a keystore, a PFX): committed-secret reports it
            self._leaf_text(Leaf(text, str(k), (link, str(k)), self.kind, True, 1 if encoded else 0))

    def _binary_data(self, data: dict[Any, Any], link: Link) -> None:
        for k, v in data.items():
            self._mapping_key(k, link)
            if type(v) is str:
                text = b64decode_text(v)
                if text is not None:
                    self._leaf_text(Leaf(text, str(k), (link, str(k)), self.kind, False, 1))

    # one string --------------------------------------------------------------------------

    def _written(self, text: str, key: str, link: Link, is_key: bool = False) -> None:
        """Run the detectors a string written in the manifest calls for (the walk passes
        those its text or its name calls for only).

        What they give depends on the text and its name alone (and on the depth, and on
        being in a Secret): a string written in the manifest that gave nothing gives nothing
        again wherever it recurs, and is skipped then (no Leaf built).  Callers have tested
        its length against ``MIN_LENGTH`` and the shortest value its name calls for.
        """
        if (text, key) in self.barren:
            return
        leaf = Leaf(text, key, link, self.kind, is_key=is_key)
        self.fresh.append(leaf)
        self._detect(leaf)

    def _leaf_text(self, leaf: Leaf) -> None:
        """Run the detectors a value found in another (decoded, embedded) or in a Secret's
        data calls for."""
        n = len(leaf.text)
        if n < MIN_LENGTH and not leaf.in_secret and n < shortest_for(leaf.key):
            return
        self._detect(leaf)

    def _detect(self, leaf: Leaf) -> None:
        """Schedule the detectors a leaf's markers or key call for, and read its base64."""
        text = leaf.text
        n = len(text)
        ran: set[str] = set()
        for det in self.plan.marked(text):
            if (leaf.in_secret and not det.in_secrets) or n < det.min_length:
                continue
            ran.add(det.rule_id)
            self._schedule(det, leaf)
        if leaf.key:
            for det in keyed(leaf.key):
                if det.rule_id not in ran and (det.in_secrets or not leaf.in_secret):
                    self._schedule(det, leaf)
        if n >= B64_MIN:
            self._layers(leaf)

    def _layers(self, leaf: Leaf) -> None:
        """Base64 runs in a leaf (the whole of it, or values in a document) whose text holds
        a marker: scanned as values nested in this one."""
        if leaf.depth >= MAX_DEPTH:
            return
        for decoded in self.plan.decoded_runs(leaf.text):
            self._nested(leaf, decoded, leaf.key, None)

    def _nested(self, leaf: Leaf, text: str, key: str, inner: str | None,
                det: Detector | None = None) -> None:
        """Scan a value found inside ``leaf`` (by ``det`` only, when given), within bounds."""
        self.fruitful.add(leaf)
        if leaf.depth >= MAX_DEPTH or len(text) > self.budget:
            return
        self.budget -= len(text)
        child = leaf.nested(text, key, inner)
        if det is not None:
            self._run(det, child)
        else:
            self._leaf_text(child)

    def _schedule(self, det: Detector, leaf: Leaf) -> None:
        if det.fallback:
            self.fallback.append((det, leaf))
        else:
            self._run(det, leaf)

    def _run(self, det: Detector, leaf: Leaf) -> None:
        for hit in det.fn(leaf):
            self.fruitful.add(leaf)
            if not det.in_labels and leaf.depth == 0 and leaf.link is not None and _in_labels(leaf.path):
                return
            if isinstance(hit, Nested):
                self._nested(leaf, hit.text, hit.key, hit.inner or None, det if hit.same_detector else None)
            else:
                self.report(det.rule_id, leaf, hit, fallback=det.fallback)

    def report(self, rule_id: str, leaf: Leaf, hit: Hit, fallback: bool = False) -> None:
        """Filter a hit and, if it survives, record it as a violation of ``rule_id``."""
        if not hit.value:
            return
        path = leaf.path
        candidate = Candidate(rule_id, hit.value, leaf.key, leaf.text, path, leaf.kind, leaf.inner,
                              hit.armored, hit.weak_default)
        for applies in self.filters:
            if applies(candidate):
                return
        here = self.at_path.get(path)
        if here is None:
            here = self.at_path[path] = _Reported()
        if fallback and here.part_of(hit.value):
            return  # a more specific rule already reported this value (or a part of it) here
        secret = fingerprint(hit.value)
        if (rule_id, secret, path) in self.seen:
            return
        self.seen.add((rule_id, secret, path))
        here.add(hit.value)
        self.found.setdefault(rule_id, []).append(
            Violation(path, f"{hit.what} in {describe(leaf)}", secret=secret, severity=hit.severity,
                      value=hit.value))


def _in_labels(path: FieldPath) -> bool:
    return len(path) >= 2 and path[0] == "metadata" and path[1] == "labels"


class _Reported:
    """The values reported at one path, asked whether one of them is part of a value: by
    looking each of them up among the value's pieces once they are many (thousands of
    values in one text would make the plain test quadratic)."""

    __slots__ = ("lengths", "values")

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.lengths: set[int] = set()

    def add(self, value: str) -> None:
        self.values.add(value)
        self.lengths.add(len(value))

    def part_of(self, value: str) -> bool:
        n = len(value)
        if len(self.values) <= len(self.lengths) * n:
            return any(seen in value for seen in self.values)
        return any(value[i:i + size] in self.values for size in self.lengths if size <= n
                   for i in range(n - size + 1))


_filters: tuple[tuple[object, ...], list[Callable[[Candidate], bool]]] = ((), [])


def _default_filters() -> list[Callable[[Candidate], bool]]:
    """Every filter's function (``all_filters()``, looked up each time: tests replace it)."""
    global _filters
    found = filter_modules.all_filters()
    if _filters[0] is not found:
        _filters = (found, [f.applies for f in found])
    return _filters[1]


def filters_say_not_secret(candidate: Candidate) -> bool:
    """True when any filter recognises the candidate as no credential."""
    return any(f.applies(candidate) for f in filter_modules.all_filters())


def scan(obj: KubeObject, filters: Sequence[Callable[[Candidate], bool]] | None = None) -> dict[str, list[Violation]]:
    """Scan one object (uncached): violations per rule id."""
    return Scanner(filters).scan(obj)


def scanned(obj: KubeObject, ctx: Any = None) -> dict[str, list[Violation]]:
    """Violations per rule id on ``obj``, from the object's one cached scan (the context
    changes nothing)."""
    # the engine asks once per object, mostly: a lookup, not a KeyError to catch
    found: dict[str, list[Violation]] | None = obj.memo.get(MEMO_KEY)
    if found is None:
        found = obj.memo[MEMO_KEY] = scan(obj)
    return found


def violations(obj: KubeObject, rule_id: str) -> Sequence[Violation]:
    """``rule_id``'s violations on ``obj``, from the object's one cached scan."""
    return scanned(obj).get(rule_id, ())


def check_for(rule_id: str) -> SharedCheck:
    """A detector rule's check: its share of the object's one scan (``scanned``), which the
    engine runs once for all the family's detector rules."""
    return SharedCheck(rule_id, scanned)


def describe(leaf: Leaf) -> str:
    """Where a value sits, in words, for messages: names of keys, never values."""
    path = leaf.path
    if leaf.is_key:
        named = next((p for p in reversed(path) if isinstance(p, str)), "")
        return f'a key of "{named}"' if named else "a key"
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
    if leaf.inner and f'"{leaf.inner}"' not in where:
        where += f' (key "{leaf.inner}")'
    return where
