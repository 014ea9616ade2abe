"""deploy/: the webhook's own manifests pass `podwarden check` and have the promised shape."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from podwarden.engine import Engine, Selection

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MANIFESTS = DEPLOY / "manifests" / "podwarden.yaml"


def objects() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in yaml.safe_load_all(MANIFESTS.read_text()):
        out.setdefault(doc["kind"], []).append(doc)
    return out


def test_manifests_pass_every_rule_with_zero_findings() -> None:
    result = Engine(Selection()).run([str(DEPLOY / "manifests")])
    assert not result.errors, [str(e) for e in result.errors]
    assert result.findings == [], [f"{f.rule_id} {f.path}: {f.message}" for f in result.findings]
    assert not result.suppressed


def test_deployment_pdb_service() -> None:
    objs = objects()
    deployment = objs["Deployment"][0]
    assert deployment["spec"]["replicas"] >= 2
    pdb = objs["PodDisruptionBudget"][0]
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
    assert objs["Service"][0]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_webhook_configurations() -> None:
    objs = objects()
    namespace = objs["Deployment"][0]["metadata"]["namespace"]
    for kind, path in (("ValidatingWebhookConfiguration", "/validate"), ("MutatingWebhookConfiguration", "/mutate")):
        (config,) = objs[kind]
        for hook in config["webhooks"]:
            assert hook["failurePolicy"] == "Fail" and hook["sideEffects"] == "None"
            assert 1 <= hook["timeoutSeconds"] <= 10
            assert hook["clientConfig"]["service"]["path"] == path
            (expr,) = hook["namespaceSelector"]["matchExpressions"]
            assert expr["key"] == "kubernetes.io/metadata.name" and expr["operator"] == "NotIn"
            assert {"kube-system", namespace} <= set(expr["values"])


def test_rbac_is_read_only_on_namespaces_and_service_accounts() -> None:
    (role,) = objects()["ClusterRole"]
    verbs = {v for r in role["rules"] for v in r["verbs"]}
    resources = {res for r in role["rules"] for res in r["resources"]}
    assert verbs == {"get"} and resources == {"namespaces", "serviceaccounts"}


def test_helm_chart_matches_the_plain_manifests() -> None:
    chart = DEPLOY / "helm" / "podwarden"
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert meta["name"] == "podwarden" and meta["apiVersion"] == "v2"
    assert values["replicaCount"] >= 2 and values["failurePolicy"] == "Fail"
    templates = "\n".join(p.read_text() for p in sorted((chart / "templates").glob("*.yaml")))
    for kind in ("Deployment", "PodDisruptionBudget", "Service", "ClusterRole", "ClusterRoleBinding",
                 "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        assert f"kind: {kind}\n" in templates


def _chart_deployment() -> dict[str, Any]:
    """The chart's Deployment without helm (not on the build machines): lines that are only a
    template directive dropped, inline expressions replaced by a placeholder, then the
    fields those directives fill taken from values.yaml.  Enough for the pod spec's security
    settings, which hold no template expression."""
    chart = DEPLOY / "helm" / "podwarden"
    values = yaml.safe_load((chart / "values.yaml").read_text())
    docs = (chart / "templates" / "deployment.yaml").read_text().split("\n---\n")
    (text,) = [d for d in docs if "\nkind: Deployment\n" in d]
    lines = [line for line in text.splitlines() if not re.fullmatch(r"\s*\{\{-.*\}\}\s*", line)]
    deployment: dict[str, Any] = yaml.safe_load(re.sub(r"\{\{.*?\}\}", "podwarden", "\n".join(lines)))
    labels = {"app.kubernetes.io/name": "podwarden"}
    deployment["metadata"]["labels"] = deployment["spec"]["selector"]["matchLabels"] = labels
    template = deployment["spec"]["template"]
    template["metadata"]["labels"] = labels
    template["spec"]["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] = labels
    template["spec"]["containers"][0]["resources"] = values["resources"]
    return deployment


def test_helm_chart_pod_spec_is_the_manifests_and_passes_every_rule() -> None:
    chart = _chart_deployment()["spec"]["template"]["spec"]
    plain = objects()["Deployment"][0]["spec"]["template"]["spec"]
    for field in ("securityContext", "automountServiceAccountToken", "volumes"):
        assert chart[field] == plain[field], field
    for field in ("securityContext", "volumeMounts", "ports", "readinessProbe", "livenessProbe", "resources",
                  "lifecycle"):
        assert chart["containers"][0][field] == plain["containers"][0][field], field
    result = Engine(Selection()).evaluate_objects([("chart", _chart_deployment())])
    assert not result.errors, [str(e) for e in result.errors]
    assert result.findings == [], [f"{f.rule_id} {f.path}: {f.message}" for f in result.findings]


def test_helm_chart_without_cert_manager_needs_a_ca_bundle() -> None:
    # the API server must trust the webhook's certificate one way or the other
    text = (DEPLOY / "helm" / "podwarden" / "templates" / "webhooks.yaml").read_text()
    assert text.count("caBundle: {{ required ") == 2
    assert text.count("{{- if .Values.certManager.enabled }}\n  annotations:\n    cert-manager.io/inject-ca-from") == 2
    values = yaml.safe_load((DEPLOY / "helm" / "podwarden" / "values.yaml").read_text())
    assert values["caBundle"] == "" and values["certManager"]["enabled"] is True


def test_rollouts_keep_serving_while_the_endpoint_goes() -> None:
    spec = objects()["Deployment"][0]["spec"]["template"]["spec"]
    assert spec["containers"][0]["lifecycle"]["preStop"] == {"sleep": {"seconds": 5}}
    assert spec["terminationGracePeriodSeconds"] >= 5 + 20  # the sleep, then the drain
