"""`podwarden audit` against the recorded cluster: paging, ownership, forbidden resources,
readiness for every namespace, secrets never read, errors as one line with exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.cluster import client as cluster_client
from podwarden.cluster.audit import collect
from podwarden.cluster.client import Client, ClusterError, load_config
from tests.cluster import recorded
from tests.cluster.fakeapi import Behaviour, FakeAPI


def run(kubeconfig: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["audit", "--kubeconfig", str(kubeconfig), *args])


def audit_json(kubeconfig: Path, *args: str) -> dict[str, Any]:
    result = run(kubeconfig, "-o", "json", "--page-size", "2", *args)
    assert result.exit_code == 1, result.output
    start = result.stdout.index("{")
    return json.loads(result.stdout[start:])


def readiness(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ns["namespace"]: ns for ns in doc["readiness"]}


def test_readiness_of_every_namespace(kubeconfig: Path) -> None:
    doc = audit_json(kubeconfig)
    ready = readiness(doc)
    assert sorted(ready) == ["legacy", "locked", "monitoring", "payments", "sealed", "shop"]

    mon = ready["monitoring"]  # privileged DaemonSet: baseline would reject both agents
    assert mon["ready"] == {"level": "privileged", "version": "v1.29"}
    assert mon["next"] == {"level": "baseline", "version": "v1.29"}
    assert [b["pod"] for b in mon["blockers"]] == ["log-agent-7xk2p", "log-agent-q9d4m"]
    assert all(b["workload"] == "DaemonSet/monitoring/log-agent" for b in mon["blockers"])
    assert mon["blockers"][0]["checks"] == ["hostNamespaces", "hostPathVolumes", "privileged"]
    assert mon["enforced"] is None and mon["labels"] == {}

    legacy = ready["legacy"]  # no securityContext at all: baseline, restricted at no version
    assert legacy["ready"] == {"level": "baseline", "version": "v1.29"}
    assert legacy["next"] == {"level": "restricted", "version": "v1.29"}
    assert {b["pod"] for b in legacy["blockers"]} == {
        "web-5d8f7c9b6-2kq8z", "web-5d8f7c9b6-v7h4n", "nightly-report-28715400-x4b7k"}
    assert legacy["labels"] == {"pod-security.kubernetes.io/enforce": "baseline",
                                "pod-security.kubernetes.io/enforce-version": "v1.29"}

    shop = ready["shop"]  # restricted-clean: nothing to fix, top of the ladder
    assert shop["ready"] == {"level": "restricted", "version": "v1.29"}
    assert shop["next"] is None and shop["blockers"] == [] and shop["pods"] == 4

    pay = ready["payments"]  # labelled baseline; restricted fails only on seccomp (v1.19+)
    assert pay["enforced"] == {"level": "baseline", "version": "v1.29"}
    assert pay["ready"] == {"level": "restricted", "version": "v1.18"}
    assert pay["next"] == {"level": "restricted", "version": "v1.29"}
    assert [(b["pod"], b["checks"]) for b in pay["blockers"]] == [
        ("ledger-84f7b6d9c-k2m4p", ["seccompProfile_restricted"]),
        ("ledger-84f7b6d9c-r7t9w", ["seccompProfile_restricted"]),
    ]
    assert pay["violatingEnforced"] == []

    locked = ready["locked"]  # secrets and configmaps forbidden: pods still judged
    assert locked["ready"] == {"level": "restricted", "version": "v1.29"} and locked["incomplete"] is None

    sealed = ready["sealed"]  # pods forbidden: no verdict rather than a wrong one
    assert sealed["ready"] is None and "forbidden" in sealed["incomplete"]


def test_pods_are_reported_once_on_their_workload(kubeconfig: Path) -> None:
    doc = audit_json(kubeconfig)
    privileged = [f for f in doc["findings"] if f["rule"] == "pss/privileged"]
    assert len(privileged) == 1  # two agent pods, one finding
    f = privileged[0]
    assert f["object"] == {"apiVersion": "apps/v1", "kind": "DaemonSet", "namespace": "monitoring", "name": "log-agent"}
    assert f["pods"] == 2 and f["message"].endswith("(2 of 2 pods)")
    assert f["path"] == "spec.template.spec.containers[0].securityContext.privileged"
    kinds = {(x["object"]["kind"], x["object"]["name"]) for x in doc["findings"]}
    # Pod -> ReplicaSet -> Deployment and Pod -> Job -> CronJob are followed to the top
    assert ("Deployment", "web") in kinds and ("CronJob", "nightly-report") in kinds
    assert not any(k in ("Pod", "ReplicaSet", "Job") and n != "debug-shell-z8x6c" for k, n in kinds)
    assert ("Pod", "debug-shell-z8x6c") in kinds  # a pod nobody owns stands for itself
    cron = [x for x in doc["findings"] if x["object"]["name"] == "nightly-report" and x["rule"] == "pss/run-as-non-root"]
    assert cron[0]["path"].startswith("spec.jobTemplate.spec.template.spec.")


def test_paging_follows_continue_tokens(api: FakeAPI, kubeconfig: Path) -> None:
    audit_json(kubeconfig)
    legacy_pods = [r for r in api.requests if r.path == "/api/v1/namespaces/legacy/pods"]
    # 3 pods at limit=2: two pages, the second asked for with the first page's token
    assert [r.query.get("limit") for r in legacy_pods] == ["2", "2"]
    assert "continue" not in legacy_pods[0].query and legacy_pods[1].query["continue"]


def test_forbidden_cluster_wide_list_falls_back_to_namespaces(api: FakeAPI, kubeconfig: Path) -> None:
    result = run(kubeconfig, "-o", "json")
    assert result.exit_code == 1
    assert any(r.path == "/api/v1/pods" for r in api.requests)  # tried cluster-wide first
    assert any(r.path == "/api/v1/namespaces/shop/pods" for r in api.requests)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3
    assert any("secrets in namespace locked" in w for w in warnings)
    assert any("configmaps in namespace locked" in w for w in warnings)
    assert any("pods in namespace sealed" in w for w in warnings)
    doc = json.loads(result.stdout)
    assert len(doc["warnings"]) == 3


def test_expired_continue_token_restarts_the_list(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.expire_continue["/api/v1/namespaces/shop/pods"] = 1
    doc = audit_json(kubeconfig)
    shop = [r for r in api.requests if r.path == "/api/v1/namespaces/shop/pods"]
    # page 1, page 2 -> 410, then from the start: pages 1, 2, 3 (4 pods at limit=2 -> 2 pages)
    assert [bool(r.query.get("continue")) for r in shop] == [False, True, False, True]
    assert readiness(doc)["shop"]["pods"] == 4  # no pod counted twice
    api_findings = [f for f in doc["findings"] if f["object"]["name"] == "api"]
    assert api_findings and all(f["pods"] == 3 for f in api_findings)


def test_secrets_are_listed_as_metadata_only(api: FakeAPI, kubeconfig: Path) -> None:
    result = run(kubeconfig, "-o", "json")
    secret_requests = [r for r in api.requests if r.path.endswith("/secrets")]
    assert secret_requests
    assert all(r.accept == cluster_client.METADATA_ONLY for r in secret_requests)
    for fmt in ("json", "text", "sarif", "junit", "html"):
        out = run(kubeconfig, "-o", fmt)
        assert recorded.SECRET_VALUE not in out.output
        assert recorded.CONFIGMAP_PASSWORD not in out.output  # only its fingerprint
    assert "credentials/url-with-password" in result.stdout


def test_snapshot_keeps_no_secret_data(api: FakeAPI, kubeconfig: Path) -> None:
    with Client(load_config(str(kubeconfig)), page_size=1) as client:
        snap = collect(client)
    try:
        secrets = list(snap.of_kind("Secret"))
        assert {s["metadata"]["name"] for s in secrets} == {"db-credentials", "stripe"}
        assert all(set(s) == {"apiVersion", "kind", "metadata"} for s in secrets)
        pods = list(snap.of_kind("Pod"))  # what no rule reads is dropped as pages arrive
        assert pods and not any("status" in p or "managedFields" in p["metadata"] for p in pods)
        assert snap.server_minor == 29
    finally:
        snap.close()


def test_namespace_option_limits_the_audit(api: FakeAPI, kubeconfig: Path) -> None:
    doc = audit_json(kubeconfig, "-n", "monitoring,payments")
    assert sorted(readiness(doc)) == ["monitoring", "payments"]
    assert {f["object"]["namespace"] for f in doc["findings"]} <= {"monitoring", "payments"}
    assert not any(r.path == "/api/v1/pods" for r in api.requests)
    assert "/api/v1/namespaces/payments" in [r.path for r in api.requests]


def test_unknown_namespace_is_an_error(kubeconfig: Path) -> None:
    result = run(kubeconfig, "-n", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: namespace 'nope' does not exist in this cluster"


def test_missing_secret_provider_class_crd_is_a_note(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.missing.add("secretproviderclasses")
    result = run(kubeconfig, "-o", "json")
    assert result.exit_code == 1
    assert "note: SecretProviderClass is not served by this cluster" in result.stderr


def test_text_output_has_findings_and_readiness(kubeconfig: Path) -> None:
    result = run(kubeconfig)
    assert result.exit_code == 1
    # the workload's header, then its findings
    assert any(x.startswith("DaemonSet/monitoring/log-agent  ") for x in result.stdout.splitlines())
    # no file, no line: each finding is placed by its field path
    line = next(x for x in result.stdout.splitlines() if 'container "agent" must not set privileged=true (2 of 2 pods)' in x)
    assert line.split()[0] == "spec.template.spec.containers[0].securityContext.privileged"
    assert " 0:" not in result.stdout
    # a live cluster's sources are its namespaces, not files
    assert re.search(r"findings \(.*\) in \d+ objects, \d+ namespaces; score \d+/100\n", result.stdout)
    assert "payments    restricted:v1.18   enforces baseline:v1.29" in result.stdout
    assert "sealed      unknown" in result.stdout


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_other_formats(kubeconfig: Path, fmt: str) -> None:
    result = run(kubeconfig, "-o", fmt)
    assert result.exit_code == 1
    assert "log-agent" in result.stdout
    if fmt == "sarif":
        doc = json.loads(result.stdout)
        assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]


def test_output_file(kubeconfig: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    result = run(kubeconfig, "-o", "html", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "podwarden cluster audit" in text and 'id="readiness"' in text


# -- errors: one line, exit 2 --------------------------------------------------------------


def one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return str(lines[0])


def test_unreachable_cluster(api: FakeAPI, tmp_path: Path) -> None:
    config = api.kubeconfig(tmp_path / "kc", server="https://127.0.0.1:9")  # nothing listens there
    line = one_error_line(run(config))
    assert line.startswith("error: cannot reach the cluster at https://127.0.0.1:9")


def test_expired_credentials(api: FakeAPI, tmp_path: Path) -> None:
    config = api.kubeconfig(tmp_path / "kc", token="expired-token")
    line = one_error_line(run(config))
    assert "401 Unauthorized" in line and "expired" in line and "expired-token" not in line


def test_pods_forbidden_everywhere(tls_dir: Path, tmp_path: Path) -> None:
    objects = recorded.build()
    namespaces = [n["metadata"]["name"] for n in objects["namespaces"]]
    denied = {("pods", None)} | {("pods", n) for n in namespaces}
    server = FakeAPI(objects, tls_dir, Behaviour(forbidden=denied))
    try:
        line = one_error_line(run(server.kubeconfig(tmp_path / "kc")))
        assert line == "error: cannot list pods in any namespace (forbidden): the audit needs at least get/list on pods"
    finally:
        server.stop()


def test_unknown_context_and_missing_kubeconfig(kubeconfig: Path, tmp_path: Path) -> None:
    line = one_error_line(run(kubeconfig, "--context", "nowhere"))
    assert line == "error: kubeconfig: Context 'nowhere' not found"
    line = one_error_line(CliRunner().invoke(main, ["audit", "--kubeconfig", str(tmp_path / "none")]))
    assert "not found" in line


def test_context_option_selects_a_context(kubeconfig: Path) -> None:
    config = load_config(str(kubeconfig), "other")
    assert config.context_name == "other" and config.namespace == "shop"


def test_in_cluster_config(api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("recorded-cluster-token")
    (sa / "namespace").write_text("shop")
    import base64

    (sa / "ca.crt").write_bytes(base64.b64decode(api.ca_bundle))
    monkeypatch.setattr(cluster_client, "IN_CLUSTER_DIR", str(sa))
    host, port = api.url.removeprefix("https://").split(":")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    result = CliRunner().invoke(main, ["audit", "--in-cluster", "-o", "json", "-n", "shop"])
    assert result.exit_code == 1, result.output
    assert readiness(json.loads(result.stdout))["shop"]["ready"]["level"] == "restricted"


def test_client_error_for_bad_answer(api: FakeAPI, kubeconfig: Path) -> None:
    with Client(load_config(str(kubeconfig))) as client, pytest.raises(ClusterError) as info:
        client.get("/apis/unknown.example.com/v1/widgets")
    assert "not be found" in str(info.value) or "could not find" in str(info.value)
