"""deploy/: the webhook's own manifests pass `podwarden check` and have the promised shape."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from podwarden.engine import Engine, Selection
from podwarden.rules.api import Level, Version

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
    deployment["spec"]["replicas"] = values["replicaCount"]
    container = template["spec"]["containers"][0]
    container["resources"] = values["resources"]
    container["image"] = f"{values['image']['repository']}:{values['image']['tag']}"
    container["imagePullPolicy"] = values["image"]["pullPolicy"]
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


# -- the image (Containerfile, image/build.sh) and the pod spec that runs it ------------------------

ROOT = DEPLOY.parent


def _containerfile_user() -> tuple[int, int]:
    text = (ROOT / "Containerfile").read_text()
    users = re.findall(r"^USER (\d+):(\d+)$", text, re.MULTILINE)
    assert len(users) == 1, "the final stage sets one numeric USER"
    uid, gid = map(int, users[0])
    # the same numbers get a passwd and a group entry (tools that look the user up)
    assert f"podwarden:x:{uid}:{gid}:" in text and f"podwarden:x:{gid}:" in text
    return uid, gid


def test_deploy_names_the_image_the_build_tags() -> None:
    built = subprocess.run([str(ROOT / "image" / "build.sh"), "--print-name"], capture_output=True, text=True,
                           check=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout.strip()
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert version and built == f"ghcr.io/podwarden/podwarden:{version[1]}"
    (container,) = objects()["Deployment"][0]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == built
    assert _chart_deployment()["spec"]["template"]["spec"]["containers"][0]["image"] == built
    chart = yaml.safe_load((DEPLOY / "helm" / "podwarden" / "Chart.yaml").read_text())
    assert chart["appVersion"] == version[1]


def test_pod_runs_as_the_images_user() -> None:
    uid, gid = _containerfile_user()
    assert uid >= 10000 and gid >= 10000  # no host user's or system account's number
    for spec in (objects()["Deployment"][0]["spec"]["template"]["spec"],
                 _chart_deployment()["spec"]["template"]["spec"]):
        pod = spec["securityContext"]
        assert (pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"]) == (uid, gid, gid)
        assert pod["runAsNonRoot"] is True


def test_the_image_writes_only_to_the_pods_empty_dir() -> None:
    # the Containerfile sends HOME (and --self-signed in the README) to /tmp, compiles its
    # bytecode ahead and turns writing it off; the pod mounts an emptyDir there and nowhere else
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^\s+HOME=/tmp$", text, re.MULTILINE)
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "--invalidation-mode unchecked-hash" in text
    assert 'ENTRYPOINT ["podwarden"]' in text
    spec = objects()["Deployment"][0]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    writable = [m for m in container["volumeMounts"] if not m.get("readOnly")]
    assert [m["mountPath"] for m in writable] == ["/tmp"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == writable[0]["name"]]
    assert "emptyDir" in volume and volume["emptyDir"]["sizeLimit"]


def test_the_pod_passes_every_rule_with_the_images_user_at_every_level() -> None:
    # zero findings as the pod really runs: with the UID/GID the Containerfile sets, at each
    # PSS level and the oldest and newest version podwarden knows
    uid, gid = _containerfile_user()
    deployment = objects()["Deployment"][0]
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == uid
    for level in (Level.BASELINE, Level.RESTRICTED):
        for version in (Version.parse("v1.25"), None):
            result = Engine(Selection(level=level, version=version)).evaluate_objects([("deploy", deployment)])
            assert not result.errors and result.findings == [], (level, version, result.findings)
