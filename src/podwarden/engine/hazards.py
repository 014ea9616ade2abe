"""One finding per hazard: findings of rules declaring the same hazard at one field merge."""

from __future__ import annotations

import dataclasses
import weakref

from podwarden.engine.results import Finding
from podwarden.rules.registry import Registry

#: per registry: the hazard each rule declares (rules without one are left out)
_HAZARDS: weakref.WeakKeyDictionary[Registry, dict[str, str]] = weakref.WeakKeyDictionary()


def merge_hazards(findings: list[Finding], registry: Registry) -> list[Finding]:
    """One finding per hazard at one field: rules declaring the same ``hazard`` (PSS and
    hardening both on an added capability) give the stronger finding (higher severity; on
    a tie the PSS rule, the standard's own word), naming the others in ``also``."""
    hazards = _HAZARDS.get(registry)
    if hazards is None:
        hazards = _HAZARDS[registry] = {r.id: r.hazard for r in registry if r.hazard}
    if sum(f.rule_id in hazards for f in findings) < 2:
        return findings  # nothing to merge (most objects)
    kept: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    for f in findings:
        hazard = hazards.get(f.rule_id)
        if hazard is None:
            out.append(f)
            continue
        key = (f.path, hazard)
        at = kept.get(key)
        if at is None:
            kept[key] = len(out)
            out.append(f)
            continue
        previous = out[at]
        strong, weak = (f, previous) if _stronger(f, previous, registry) else (previous, f)
        folded = tuple(dict.fromkeys((*strong.also, weak.rule_id, *weak.also)))
        out[at] = dataclasses.replace(strong, also=folded)
    return out


def _stronger(a: Finding, b: Finding, registry: Registry) -> bool:
    if a.severity != b.severity:
        return a.severity > b.severity
    a_rule, b_rule = registry.rules.get(a.rule_id), registry.rules.get(b.rule_id)
    return bool(a_rule and a_rule.pss) and not (b_rule and b_rule.pss)
