"""Findings as values: the engine's fast paths must not lose or share what a finding says."""

from __future__ import annotations

from podwarden.engine import Finding, merge_hazards
from podwarden.model.objects import ObjectRef
from podwarden.model.paths import render
from podwarden.rules.api import Severity
from podwarden.rules.registry import default_registry

REF = ObjectRef("v1", "Pod", "team", "web")


def _finding(rule_id: str, severity: Severity = Severity.HIGH, path: str = "spec.x", **more: object) -> Finding:
    return Finding(rule_id, severity, "message", "pod.yaml", 3, 5, REF, path, **more)  # type: ignore[arg-type]


def test_with_also_keeps_every_other_field() -> None:
    every = set(Finding._fields)
    full = _finding("pss/x", secret="sha256:abc", pods=4, also=("a/b",), hint="do this")
    assert {name for name in full._fields if getattr(full, name) is None} == set(), \
        "set every field here, so that a field with_also drops shows below"
    folded = full.with_also(("c/d",))
    assert folded == full.replace(also=("c/d",))
    assert folded is not full and full.also == ("a/b",)
    assert every == set(folded._fields)


def test_equal_findings_hash_alike() -> None:
    assert hash(_finding("pss/x")) == hash(_finding("pss/x"))
    assert len({_finding("pss/x"), _finding("pss/x"), _finding("pss/y")}) == 2


def test_merge_folds_one_hazard_at_one_field_and_leaves_others() -> None:
    registry = default_registry()
    by_hazard: dict[str, list[str]] = {}
    for r in registry:
        if r.hazard:
            by_hazard.setdefault(r.hazard, []).append(r.id)
    first, second = next(ids for ids in by_hazard.values() if len(ids) >= 2)[:2]
    lone = _finding("pss/privileged", path="spec.y")
    weak, strong = _finding(first, Severity.LOW), _finding(second, Severity.CRITICAL)
    merged = merge_hazards([weak, lone, strong], registry)
    assert merged == [strong.with_also((first,)), lone]
    alone = [weak, lone]
    assert merge_hazards(alone, registry) == alone  # nothing to fold: the same findings


def test_rendered_paths_do_not_depend_on_what_was_rendered_before() -> None:
    assert render(("metadata", "annotations", "a.b/c")) == "metadata.annotations['a.b/c']"
    assert render(("spec", "containers", 1, "image")) == "spec.containers[1].image"
    assert render(("metadata", "annotations", "a.b/c")) == "metadata.annotations['a.b/c']"
    assert render(()) == ""


def test_a_severity_configured_as_info_is_info() -> None:
    # INFO is 0: a configured "info" must not fall through to the rule's own severity
    from podwarden.engine.core import Engine
    from podwarden.engine.results import Selection
    from podwarden.rules.api import Severity

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": True}}]}}
    for configured, expected in (("info", Severity.INFO), ("low", Severity.LOW)):
        engine = Engine(Selection(settings={"pss/privileged": {"severity": configured}}))
        found = [f for f in engine.evaluate_object(pod).findings if f.rule_id == "pss/privileged"]
        assert [f.severity for f in found] == [expected]
