"""One finding per hazard: findings of rules declaring the same hazard at one field merge."""

from __future__ import annotations

from podwarden.engine.results import Finding
from podwarden.rules.registry import Registry

#: the registry last asked about, and the hazard each of its rules declares (rules without
#: one left out); a run asks about one registry, object after object
_HAZARDS: tuple[Registry | None, dict[str, str]] = (None, {})


def _hazards(registry: Registry) -> dict[str, str]:
    global _HAZARDS
    known, hazards = _HAZARDS
    if known is not registry:
        hazards = {r.id: r.hazard for r in registry if r.hazard}
        _HAZARDS = (registry, hazards)
    return hazards


def merge_hazards(findings: list[Finding], registry: Registry) -> list[Finding]:
    """One finding per hazard at one field: rules declaring the same ``hazard`` (PSS and
    hardening both on an added capability) give the stronger finding (higher severity; on
    a tie the PSS rule, the standard's own word), naming the others in ``also``."""
    if len(findings) < 2:
        return findings
    hazards = _hazards(registry)
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
        out[at] = strong.with_also(folded)
    return out


def _stronger(a: Finding, b: Finding, registry: Registry) -> bool:
    if a.severity != b.severity:
        return a.severity > b.severity
    a_rule, b_rule = registry.rules.get(a.rule_id), registry.rules.get(b.rule_id)
    return bool(a_rule and a_rule.pss) and not (b_rule and b_rule.pss)
