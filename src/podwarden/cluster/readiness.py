"""Namespace readiness: which Pod Security Standards level a namespace could enforce now.

For each namespace: the highest level, at the newest version, that Pod Security
Admission would accept *every* pod running there with (so labelling it rejects none of
them when they are recreated), what the namespace enforces today (its
``pod-security.kubernetes.io/enforce`` and ``enforce-version`` labels), and the pods
that block the next step towards ``restricted`` at the cluster's version.

Older policy versions are more lenient (restricted gained its capabilities check in
1.22, for instance), so when a level fails at the cluster's version the newest older
version that passes is offered: ``restricted`` pinned to ``v1.21`` can still be better
than ``baseline``.  Workloads with no pod running (a CronJob between runs, a Deployment
scaled to zero) are judged by their pod template, since their next pod would be judged.

Pods are judged one at a time as the audit streams them (``NamespaceJudge``): each is
evaluated at the cluster's version for both levels (the blockers of either next step),
and at older versions only while some version of a level still passes everywhere; what
is kept is the verdict and its blockers, never the pods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.cluster.shape import LIMIT, Shape
from podwarden.engine import Engine, Selection
from podwarden.rules.api import Level, Version
from podwarden.rules.registry import Registry

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"
LEVELS = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)


@dataclass(frozen=True, slots=True)
class Blocker:
    """A pod (or an idle workload's template) that a level would reject, and why."""

    pod: str
    workload: str | None
    checks: tuple[str, ...]
    details: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"pod": self.pod, "workload": self.workload, "checks": list(self.checks),
                "details": list(self.details)}


@dataclass(frozen=True, slots=True)
class RbacReach:
    """The readiness column of the ``rbac`` family: of the namespace's workloads (running
    pods' workloads, pods without owner, idle workloads), how many hold a mounted token that
    reaches a dangerous permission class (medium severity or more, grants shared through
    ``default`` or a group included); ``dangerous`` is None when that is unknown."""

    workloads: int
    dangerous: int | None
    unknown: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"workloads": self.workloads, "dangerous": self.dangerous, "unknown": self.unknown}

    @property
    def text(self) -> str:
        if self.dangerous is None:
            return "rbac: unknown"
        return f"rbac: {self.dangerous} of {self.workloads} workload{'s' if self.workloads != 1 else ''}"


@dataclass(slots=True)
class NamespaceReadiness:
    """The verdict for one namespace."""

    namespace: str
    pods: int
    #: highest level every pod satisfies, and the newest version at which it does
    ready_level: Level | None
    ready_version: Version | None
    #: labels today: level text as written (None: unlabelled), version text ("latest")
    enforced: str | None
    enforced_version: str | None
    #: the next step (level, version), None when already at restricted:<cluster version>
    next_level: Level | None = None
    next_version: Version | None = None
    blockers: list[Blocker] = field(default_factory=list)
    #: pods running although they violate what the namespace enforces today
    violating_enforced: list[Blocker] = field(default_factory=list)
    #: why the verdict is unknown or partial (pods could not be listed)
    incomplete: str | None = None
    #: workloads whose tokens reach dangerous API permissions (None: not judged)
    rbac: RbacReach | None = None

    @property
    def label(self) -> str:
        """``restricted:v1.29``, or ``unknown``."""
        if self.ready_level is None:
            return "unknown"
        return f"{self.ready_level}:{self.ready_version}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``audit -o json`` ``readiness``, and the HTML report's input)."""
        return {
            "namespace": self.namespace,
            "pods": self.pods,
            "ready": None if self.ready_level is None else {
                "level": str(self.ready_level), "version": str(self.ready_version)},
            "enforced": None if self.enforced is None else {
                "level": self.enforced, "version": self.enforced_version or "latest"},
            "next": None if self.next_level is None else {
                "level": str(self.next_level), "version": str(self.next_version)},
            "blockers": [b.as_dict() for b in self.blockers],
            "violatingEnforced": [b.as_dict() for b in self.violating_enforced],
            "incomplete": self.incomplete,
            "labels": self.suggested_labels(),
            "rbac": None if self.rbac is None else self.rbac.as_dict(),
        }

    def suggested_labels(self) -> dict[str, str]:
        """The labels that would enforce the ready level."""
        if self.ready_level is None or self.ready_level is Level.PRIVILEGED:
            return {}
        return {ENFORCE_LABEL: str(self.ready_level), ENFORCE_VERSION_LABEL: str(self.ready_version)}


class Judge:
    """PSS verdicts for objects at any (level, minor), one engine per pair."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._engines: dict[tuple[Level, int], Engine] = {}
        #: verdicts by (pod shape, level, minor): replicas are judged once
        self._memo: dict[tuple[bytes, Level, int], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def forget(self) -> None:
        """Start remembering afresh (between namespaces)."""
        self._memo.clear()

    def violations(self, pod: dict[str, Any], level: Level, minor: int,
                   shape: Shape | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(upstream check ids, messages) that ``level`` at 1.``minor`` finds in ``pod``."""
        if shape is None:
            return self._violations(pod, level, minor)
        found = self._memo.get((shape.key, level, minor))
        if found is None:
            checks, details = self._violations(pod, level, minor)
            if len(self._memo) >= LIMIT:
                self._memo.clear()
            self._memo[(shape.key, level, minor)] = (checks, tuple(shape.generic(d) for d in details))
            return checks, details
        checks, details = found
        return checks, tuple(shape.own(d) for d in details) if shape.subs else details

    def _violations(self, pod: dict[str, Any], level: Level, minor: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        engine = self._engines.get((level, minor))
        if engine is None:
            selection = Selection(level=level, version=Version(minor), only=frozenset({"pss"}))
            engine = self._engines[(level, minor)] = Engine(selection, self.registry)
        findings = engine.evaluate_object(pod).findings
        checks: list[str] = []
        for f in findings:
            r = self.registry.get(f.rule_id)
            check = r.upstream_id if r and r.upstream_id else f.rule_id
            if check not in checks:
                checks.append(check)
        return tuple(checks), tuple(f.message for f in findings)


def versions(registry: Registry, newest: int) -> list[int]:
    """Policy versions worth trying, newest first: ``newest``, then the last minor before
    each PSS check change (every version between two changes judges alike, and the
    newest of them is the one to pin)."""
    changes = {v.since for r in registry for v in r.variants if r.pss and 0 < v.since <= newest}
    return sorted({newest} | {c - 1 for c in changes}, reverse=True)


class NamespaceJudge:
    """Readiness of one namespace, from its pods (and idle workloads) given one at a time."""

    def __init__(self, judge: Judge, namespace: str, namespace_object: Mapping[str, Any] | None,
                 tried: list[int], newest: int, namespaces_read: bool = True, pods_listed: str | None = None) -> None:
        """``namespaces_read``: Namespace objects could be read (one missing is then a gap);
        ``pods_listed``: why pods could not be listed here (None: they were)."""
        self.judge = judge
        self.tried = tried
        self.newest = newest
        labels = _labels(namespace_object)
        enforced = labels.get(ENFORCE_LABEL) if labels is not None else None
        enforced_version = labels.get(ENFORCE_VERSION_LABEL) if labels is not None else None
        self.verdict = NamespaceReadiness(namespace, 0, None, None, enforced, enforced_version)
        self.pods_listed = pods_listed
        if labels is None and namespaces_read:
            self.verdict.incomplete = "the namespace's labels could not be read"
        #: per level, the versions at which every subject so far passes
        self.alive = {level: set(tried) for level in (Level.RESTRICTED, Level.BASELINE)}
        self.blockers: dict[Level, list[Blocker]] = {Level.RESTRICTED: [], Level.BASELINE: []}
        level = _parse_level(enforced)
        self.enforced = None if level is None or level is Level.PRIVILEGED else (
            level, _parse_minor(enforced_version, newest))
        #: shared (checks, details) tuples: the pods of one workload fail alike
        self._same: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def add(self, pod: dict[str, Any], workload: str | None, running: bool, shape: Shape | None = None) -> None:
        """Judge one subject: a running pod (``shape``: its key among its replicas), or an
        idle workload's template."""
        if running:
            self.verdict.pods += 1
        if self.pods_listed is not None:
            return
        name = str((pod.get("metadata") or {}).get("name") or "")
        shown = name if running else f"{pod.get('kind')}/{name} (no pod running)"
        for level, alive in self.alive.items():
            for minor in self.tried:
                if minor != self.newest and minor not in alive:
                    continue
                checks, details = self.judge.violations(pod, level, minor, shape)
                if not checks:
                    continue
                alive.discard(minor)
                if minor == self.newest:
                    self.blockers[level].append(self._blocker(shown, workload, checks, details))
        if self.enforced is not None:
            level, minor = self.enforced
            checks, details = self.judge.violations(pod, level, minor, shape)
            if checks:
                self.verdict.violating_enforced.append(self._blocker(shown, workload, checks, details))

    def _blocker(self, shown: str, workload: str | None, checks: tuple[str, ...],
                 details: tuple[str, ...]) -> Blocker:
        key = (checks, details)
        checks, details = self._same.setdefault(key, key)
        return Blocker(shown, workload, checks, details)

    def finish(self) -> NamespaceReadiness:
        verdict = self.verdict
        if self.pods_listed is not None:
            verdict.incomplete = self.pods_listed
            return verdict
        newest = self.newest
        verdict.ready_level, verdict.ready_version = Level.PRIVILEGED, Version(newest)
        for level in (Level.RESTRICTED, Level.BASELINE):
            minor = next((m for m in self.tried if m in self.alive[level]), None)
            if minor is not None:
                verdict.ready_level, verdict.ready_version = level, Version(minor)
                break
        # the next step: the ready level at the cluster's version, else the level above it
        if verdict.ready_version != Version(newest):
            verdict.next_level = verdict.ready_level
        elif verdict.ready_level is not Level.RESTRICTED:
            verdict.next_level = LEVELS[LEVELS.index(verdict.ready_level) + 1]
        if verdict.next_level is not None:
            verdict.next_version = Version(newest)
            verdict.blockers = self.blockers.get(verdict.next_level, [])
        self.blockers = {}
        return verdict


def _labels(namespace: Mapping[str, Any] | None) -> dict[str, str] | None:
    if namespace is None:
        return None
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _parse_level(text: str | None) -> Level | None:
    if not text:
        return None
    try:
        return Level.parse(text)
    except ValueError:
        return None


def _parse_minor(text: str | None, newest: int) -> int:
    if not text or text == "latest":
        return newest
    try:
        parsed = Version.parse(text)
    except ValueError:
        return newest
    return newest if parsed is None else min(parsed.minor, newest)


#: blocking workloads listed per namespace in text; the rest are counted
TEXT_WORKLOADS = 10
#: pod names shown per blocking workload in text
TEXT_PODS = 3


def render_text(verdicts: Sequence[NamespaceReadiness], newest: int, title: str = "") -> str:
    """The readiness table for a terminal, one namespace per line, then what blocks its
    next step grouped by workload (capped: ``-o json`` lists every pod)."""
    if not verdicts:
        return ""
    head = (f"PSS readiness per namespace (policy version v1.{newest}): could enforce now, enforces today; "
            "rbac: workloads whose token reaches dangerous API permissions")
    lines = [f"{title}: {head}" if title else head]
    width = max(len(v.namespace) for v in verdicts)
    for v in verdicts:
        today = f"{v.enforced}:{v.enforced_version or 'latest'}" if v.enforced else "-"
        pods = f"{v.pods} pod(s)"
        rbac = f"  {v.rbac.text}" if v.rbac is not None else ""
        lines.append(f"  {v.namespace:<{width}}  {v.label:<18} enforces {today:<18} {pods:<10}{rbac}".rstrip())
        if v.incomplete:
            lines.append(f"      incomplete: {v.incomplete}")
        if v.rbac is not None and v.rbac.unknown and v.rbac.unknown != v.incomplete:
            lines.append(f"      rbac unknown: {v.rbac.unknown}")
        if v.next_level is not None and v.blockers:
            lines.append(f"      {len(v.blockers)} pod(s) block {v.next_level}:{v.next_version}:")
            lines.extend(_grouped(v.blockers))
        if v.violating_enforced:
            lines.append(f"      {len(v.violating_enforced)} running pod(s) violate the enforced level")
    return "\n".join(lines) + "\n"


def _grouped(blockers: Sequence[Blocker]) -> list[str]:
    """One line per workload (a standalone pod stands for itself) and set of checks, the
    largest first after the first ``TEXT_WORKLOADS``; pod names capped at ``TEXT_PODS``."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for b in blockers:
        groups[(b.workload or b.pod, b.checks)].append(b.pod)
    out = []
    for (owner, checks), pods in list(groups.items())[:TEXT_WORKLOADS]:
        if len(pods) == 1 and pods[0] == owner:
            what = owner
        else:
            names = ", ".join(pods[:TEXT_PODS]) + (f", +{len(pods) - TEXT_PODS} more" if len(pods) > TEXT_PODS else "")
            what = f"{owner}: {len(pods)} pod{'s' if len(pods) != 1 else ''} ({names})"
        out.append(f"        {what}: {', '.join(checks)}")
    rest = list(groups.values())[TEXT_WORKLOADS:]
    if rest:
        out.append(f"        ... and {len(rest)} more workload(s) with {sum(len(p) for p in rest)} pod(s) "
                   "(-o json lists every pod)")
    return out
