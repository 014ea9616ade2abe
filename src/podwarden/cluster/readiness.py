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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.cluster.audit import Audit, Owner, Snapshot
from podwarden.engine import Engine, Selection
from podwarden.model.objects import ObjectRef
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
        }

    def suggested_labels(self) -> dict[str, str]:
        """The labels that would enforce the ready level."""
        if self.ready_level is None or self.ready_level is Level.PRIVILEGED:
            return {}
        return {ENFORCE_LABEL: str(self.ready_level), ENFORCE_VERSION_LABEL: str(self.ready_version)}


class _Judge:
    """PSS verdicts for pods at any (level, minor), one engine per pair, memoised per pod."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._engines: dict[tuple[Level, int], Engine] = {}
        self._memo: dict[tuple[int, Level, int], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def violations(self, pod: dict[str, Any], level: Level, minor: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(upstream check ids, messages) that ``level`` at 1.``minor`` finds in ``pod``."""
        key = (id(pod), level, minor)
        found = self._memo.get(key)
        if found is not None:
            return found
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
        found = (tuple(checks), tuple(f.message for f in findings))
        self._memo[key] = found
        return found


def versions(registry: Registry, newest: int) -> list[int]:
    """Policy versions worth trying, newest first: ``newest``, then the last minor before
    each PSS check change (every version between two changes judges alike, and the
    newest of them is the one to pin)."""
    changes = {v.since for r in registry for v in r.variants if r.pss and 0 < v.since <= newest}
    return sorted({newest} | {c - 1 for c in changes}, reverse=True)


def assess(snapshot: Snapshot, result: Audit, registry: Registry) -> list[NamespaceReadiness]:
    """Readiness of every audited namespace, sorted by name."""
    newest = registry.minor(Version(snapshot.server_minor) if snapshot.server_minor else None)
    tried = versions(registry, newest)
    judge = _Judge(registry)
    out = []
    for namespace in snapshot.namespaces:
        subjects = _subjects(result.pods.get(namespace, []), result.idle.get(namespace, []))
        labels = _labels(snapshot.namespace_objects.get(namespace))
        enforced = labels.get(ENFORCE_LABEL) if labels is not None else None
        enforced_version = labels.get(ENFORCE_VERSION_LABEL) if labels is not None else None
        verdict = NamespaceReadiness(namespace, sum(1 for s in subjects if s[2]), None, None,
                                     enforced, enforced_version)
        if "pods" in snapshot.forbidden.get(namespace, []):
            verdict.incomplete = "pods could not be listed here (forbidden)"
            out.append(verdict)
            continue
        if labels is None and snapshot.namespace_objects:
            verdict.incomplete = "the namespace's labels could not be read"
        _judge_namespace(verdict, subjects, judge, tried, newest)
        out.append(verdict)
    return out


def _judge_namespace(verdict: NamespaceReadiness, subjects: Sequence[tuple[dict[str, Any], str | None, bool]],
                     judge: _Judge, tried: list[int], newest: int) -> None:
    def passes(level: Level, minor: int) -> bool:
        return all(not judge.violations(pod, level, minor)[0] for pod, _, _ in subjects)

    verdict.ready_level, verdict.ready_version = Level.PRIVILEGED, Version(newest)
    for level in (Level.RESTRICTED, Level.BASELINE):
        minor = next((m for m in tried if passes(level, m)), None)
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
        verdict.blockers = _blockers(subjects, judge, verdict.next_level, newest)
    enforced = _parse_level(verdict.enforced)
    if enforced is not None and enforced is not Level.PRIVILEGED:
        minor = _parse_minor(verdict.enforced_version, newest)
        verdict.violating_enforced = _blockers(subjects, judge, enforced, minor)


def _blockers(subjects: Iterable[tuple[dict[str, Any], str | None, bool]], judge: _Judge,
              level: Level, minor: int) -> list[Blocker]:
    out = []
    for pod, workload, running in subjects:
        checks, details = judge.violations(pod, level, minor)
        if checks:
            name = str((pod.get("metadata") or {}).get("name") or "")
            shown = name if running else f"{pod.get('kind')}/{name} (no pod running)"
            out.append(Blocker(shown, workload, checks, details))
    return out


def _subjects(pods: Iterable[tuple[dict[str, Any], Owner | None]],
              idle: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], str | None, bool]]:
    """(object to judge, its workload, whether it is a running pod)."""
    out: list[tuple[dict[str, Any], str | None, bool]] = [
        (pod, str(owner.ref) if owner else None, True) for pod, owner in pods
    ]
    for workload in idle:
        meta = workload.get("metadata") or {}
        ref = ObjectRef(str(workload.get("apiVersion", "")), str(workload.get("kind", "")),
                        meta.get("namespace"), str(meta.get("name", "")))
        out.append((workload, str(ref), False))
    return out


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


def render_text(verdicts: Sequence[NamespaceReadiness], newest: int) -> str:
    """The readiness table for a terminal, one namespace per line, then its blockers."""
    if not verdicts:
        return ""
    lines = [f"PSS readiness per namespace (policy version v1.{newest}): could enforce now, enforces today"]
    width = max(len(v.namespace) for v in verdicts)
    for v in verdicts:
        today = f"{v.enforced}:{v.enforced_version or 'latest'}" if v.enforced else "-"
        lines.append(f"  {v.namespace:<{width}}  {v.label:<18} enforces {today:<18} {v.pods} pod(s)")
        if v.incomplete:
            lines.append(f"      incomplete: {v.incomplete}")
        if v.next_level is not None and v.blockers:
            lines.append(f"      {len(v.blockers)} pod(s) block {v.next_level}:{v.next_version}:")
            lines.extend(f"        {b.pod}{f' ({b.workload})' if b.workload else ''}: {', '.join(b.checks)}"
                         for b in v.blockers)
        if v.violating_enforced:
            lines.append(f"      {len(v.violating_enforced)} running pod(s) violate the enforced level")
    return "\n".join(lines) + "\n"
