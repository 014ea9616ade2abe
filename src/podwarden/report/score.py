"""A score from 0 to 100 per object and per run, so teams can follow progress.

Formula (documented in the README): an object starts at 100 and loses, for each rule that
reports it, the weight of that rule's worst finding on it: critical 40, high 15, medium 5,
low 1, info 0; never below 0.  A rule counts once per object (ten containers without
``drop: [ALL]`` are one missing practice, not ten), so fixing a practice everywhere is what
raises the score.  The four points of the AKS guide (security context, credentials,
workload identity, Key Vault) weigh alike: each finding's severity already says how far it
opens the pod.  Objects scored: every pod-bearing object, and any other object with a
finding (a ConfigMap holding a credential).  The run's score is the mean of its objects'.
"""

from __future__ import annotations

from collections.abc import Iterable

from podwarden.engine import Finding
from podwarden.rules.api import Severity

WEIGHTS = {Severity.CRITICAL: 40, Severity.HIGH: 15, Severity.MEDIUM: 5, Severity.LOW: 1, Severity.INFO: 0}


def object_score(findings: Iterable[Finding]) -> int:
    """100 less the weight of each reporting rule's worst finding, at least 0."""
    worst: dict[str, Severity] = {}
    for f in findings:
        seen = worst.get(f.rule_id)
        if seen is None or f.severity > seen:
            worst[f.rule_id] = f.severity
    return max(0, 100 - sum(WEIGHTS[s] for s in worst.values()))
