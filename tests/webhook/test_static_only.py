"""Rules about references missing from a set of manifests are skipped under admission."""

from __future__ import annotations

from podwarden.rules.api import Level
from podwarden.rules.registry import default_registry
from podwarden.webhook.decide import Evaluator
from podwarden.webhook.policy import parse_config


def test_static_only_rules_are_skipped_by_the_webhook() -> None:
    registry = default_registry()
    static = {r.id for r in registry.rules.values() if r.static_only}
    assert {"identity/service-account-not-found", "vault/secret-provider-class-not-found"} <= static
    evaluator = Evaluator(parse_config({}), registry)
    engine = evaluator.engine(Level.RESTRICTED, None, ["identity", "vault"])
    active = {a.rule.id for a in engine.active}
    assert active and not (active & static)
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "app", "labels": {"azure.workload.identity/use": "true"}},
        "spec": {"serviceAccountName": "app-sa", "containers": [{"name": "c", "image": "x"}]},
    }
    found = {f.rule_id for f in engine.evaluate_object(pod).findings}
    assert "identity/service-account-not-found" not in found
