"""`podwarden audit` at scale and under a busy API server: output streamed namespace by
namespace is byte-identical to the collected output it replaced, every fault is retried
to the same findings with a warning, forbidden lists fall back namespace by namespace
concurrently, several clusters are audited together."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from podwarden.cli import audit as cli_audit
from podwarden.cli import main
from podwarden.cluster import readiness as cluster_readiness
from podwarden.cluster.audit import Progress
from podwarden.rules.api import Level, Version
from tests.cluster import recorded
from tests.cluster.fakeapi import Behaviour, FakeAPI

GOLDEN = Path(__file__).parent / "golden"


def run(kubeconfig: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["audit", "--kubeconfig", str(kubeconfig), *args])


def normalised(text: str, api: FakeAPI) -> str:
    text = text.replace(api.url, "https://SERVER")
    return re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "generated TIME", text)


def html_content(page: str) -> tuple[str, list[str]]:
    """An HTML report's data (the objects, findings and blast radii it renders) and the
    namespaces of its readiness table: what the audit decides, not how the page looks."""
    data = re.search(r'<script type="application/json" id="podwarden-data">(.*?)</script>', page, re.S)
    readiness = page.split('id="readiness"', 1)[-1]
    assert data is not None
    # the score weights the page carries are report/score.py's constants, not the audit's say
    content = re.sub(r'"weights":\[[^\]]*\],', "", data.group(1))
    return content, re.findall(r'data-namespace="([^"]*)"', readiness)


# -- the same report as before streaming ---------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [
    ("default", []), ("page2", ["--page-size", "2"]), ("ns", ["-n", "monitoring,payments"])])
@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "text", "html"])
def test_streamed_output_is_byte_identical_to_before(api: FakeAPI, kubeconfig: Path, name: str,
                                                      args: list[str], fmt: str) -> None:
    golden = GOLDEN / f"{name}.{fmt}"
    if not golden.exists():
        golden = GOLDEN / f"default.{fmt}"
        if name != "page2" or not golden.exists():
            pytest.skip("recorded for the other scenarios")
    result = run(kubeconfig, "-o", fmt, *args)
    assert result.exit_code == 1, result.output
    got = normalised(result.stdout, api)
    want = normalised(golden.read_text(encoding="utf-8"), api)
    if fmt == "text":  # the readiness section now groups blocking pods by workload (below)
        got, want = got.split("PSS readiness")[0], want.split("PSS readiness")[0]
    if fmt == "html":  # the page's look changes with the HTML report: compare what it shows
        got, want = html_content(got), html_content(want)
    assert got == want
    if name == "default":
        assert normalised(result.stderr, api) + "exit=1\n" == (GOLDEN / "default.stderr").read_text()


def test_text_readiness_groups_blocking_pods_by_workload(kubeconfig: Path) -> None:
    out = run(kubeconfig).stdout
    assert ("        DaemonSet/monitoring/log-agent: 2 pods (log-agent-7xk2p, log-agent-q9d4m): "
            "hostNamespaces, hostPathVolumes, privileged\n") in out
    assert "        CronJob/legacy/nightly-report: 1 pod (nightly-report-28715400-x4b7k): " in out
    assert "      3 pod(s) block restricted:v1.29:\n" in out


def test_text_readiness_is_capped_with_counts() -> None:
    checks = ("privileged",)
    blockers = [cluster_readiness.Blocker(f"agent-{i}", "DaemonSet/kube-system/agent", checks, ())
                for i in range(5000)]
    blockers += [cluster_readiness.Blocker(f"job-{i}", f"Job/kube-system/job-{i}", checks, ()) for i in range(30)]
    blockers.append(cluster_readiness.Blocker("debug", None, ("hostNamespaces",), ()))
    verdict = cluster_readiness.NamespaceReadiness("kube-system", 5031, Level.PRIVILEGED, Version(29), None, None,
                                                   Level.BASELINE, Version(29), blockers)
    text = cluster_readiness.render_text([verdict], 29)
    lines = text.splitlines()
    assert "      5031 pod(s) block baseline:v1.29:" in lines
    assert ("        DaemonSet/kube-system/agent: 5000 pods (agent-0, agent-1, agent-2, +4997 more): privileged"
            in lines)
    assert lines[-1] == "        ... and 22 more workload(s) with 22 pod(s) (-o json lists every pod)"
    assert len(lines) == 2 + 1 + cluster_readiness.TEXT_WORKLOADS + 1


# -- a busy or failing API server -----------------------------------------------------------


def findings_and_readiness(doc: dict[str, Any]) -> tuple[Any, Any]:
    return doc["findings"], doc["readiness"]


def golden_json() -> dict[str, Any]:
    return json.loads((GOLDEN / "page2.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("fault", "cause"), [
    ("429", "429 Too Many Requests x1"),
    ("503", "HTTP 503 x1"),
    ("drop", "connection dropped x1"),
    ("truncate", "connection dropped x1"),
    ("stall", "timed out x1"),
])
def test_each_fault_mid_list_is_retried_to_the_same_report(api: FakeAPI, kubeconfig: Path, fault: str,
                                                           cause: str) -> None:
    # shop's pods come in two pages at --page-size 2: the second page fails once
    api.behaviour.faults["/api/v1/namespaces/shop/pods?continue"] = [fault]
    api.behaviour.stall = 1.5
    result = run(kubeconfig, "-o", "json", "--page-size", "2", "--request-timeout", "0.5")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert findings_and_readiness(doc) == findings_and_readiness(golden_json())
    shop = [r for r in api.requests if r.path == "/api/v1/namespaces/shop/pods"]
    # page 1, page 2 failing, page 2 again with the same continue token: the list went on
    assert [bool(r.query.get("continue")) for r in shop] == [False, True, True]
    assert shop[1].query["continue"] == shop[2].query["continue"]
    warning = [w for w in doc["warnings"] if "retried" in w]
    assert len(warning) == 1 and cause in warning[0] and "every list retried completed" in warning[0]
    assert f"warning: {warning[0]}" in result.stderr.splitlines()


def test_retry_after_is_honoured(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.faults["/api/v1/namespaces/legacy/pods"] = ["429"]
    api.behaviour.retry_after = 1
    result = run(kubeconfig, "-o", "json")
    assert result.exit_code == 1, result.output
    assert "1.0 s waited" in json.loads(result.stdout)["warnings"][-1]  # exactly what the server asked


def test_a_cluster_wide_list_failing_is_read_namespace_by_namespace(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.faults["/apis/apps/v1/deployments"] = ["503"] * 1000
    result = run(kubeconfig, "-o", "json", "--page-size", "2", "--request-deadline", "1")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert findings_and_readiness(doc) == findings_and_readiness(golden_json())
    assert any(w.startswith("listing deployments cluster-wide failed") and "namespace by namespace" in w
               for w in doc["warnings"])
    assert any(r.path == "/apis/apps/v1/namespaces/shop/deployments" for r in api.requests)


def test_a_namespace_that_cannot_be_read_is_never_lost_silently(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.faults["/api/v1/namespaces/shop/pods"] = ["503"] * 1000
    result = run(kubeconfig, "-o", "json", "--request-deadline", "1")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)  # the report is still complete
    shop = next(v for v in doc["readiness"] if v["namespace"] == "shop")
    assert shop["ready"] is None and "kept failing" in shop["incomplete"]
    assert doc["errors"] and doc["errors"][0]["file"] == "namespace/shop"
    assert "cannot list pods here even after retries" in doc["errors"][0]["message"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "namespace/shop" in errors[0] and "HTTP 503" in errors[0]
    assert "Traceback" not in result.output


def test_a_total_deadline_stops_retrying(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.faults["/api/v1/namespaces/legacy/pods"] = ["503"] * 1000
    result = run(kubeconfig, "-o", "json", "--deadline", "0")
    assert result.exit_code == 2
    assert "gave up after 1 attempt" in result.stderr


# -- forbidden lists --------------------------------------------------------------------------


def test_per_namespace_fallback_runs_concurrently(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.delay = 0.05
    result = run(kubeconfig, "-o", "json", "--concurrency", "4")
    assert result.exit_code == 1
    assert 1 < api.most_in_flight <= 4
    assert findings_and_readiness(json.loads(result.stdout)) == findings_and_readiness(
        json.loads((GOLDEN / "default.json").read_text()))


def test_namespaces_are_tried_when_listing_them_is_forbidden(tls_dir: Path, tmp_path: Path) -> None:
    behaviour = recorded.behaviour()
    behaviour.forbidden.add(("namespaces", None))
    server = FakeAPI(recorded.build(), tls_dir, behaviour)
    try:
        result = run(server.kubeconfig(tmp_path / "kc"), "-o", "json")
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        # the namespaces other lists showed (every one has a ServiceAccount) are tried one by one
        assert {v["namespace"] for v in doc["readiness"]} == {
            "legacy", "locked", "monitoring", "payments", "sealed", "shop"}
        assert any(r.path == "/api/v1/namespaces/shop/pods" for r in server.requests)
        assert "cannot list namespaces" in result.stderr
    finally:
        server.stop()


def test_the_context_namespace_is_tried_when_nothing_else_names_one(tls_dir: Path, tmp_path: Path) -> None:
    objects = recorded.build()
    everything = {(plural, None) for plural in objects}
    server = FakeAPI(objects, tls_dir, Behaviour(forbidden=everything))
    try:
        result = run(server.kubeconfig(tmp_path / "kc"), "--context", "other", "-o", "json")
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        assert [v["namespace"] for v in doc["readiness"]] == ["shop"]  # the context "other" names shop
        assert doc["readiness"][0]["ready"]["level"] == "restricted"
    finally:
        server.stop()


# -- several clusters ---------------------------------------------------------------------------


def test_several_contexts_are_reported_together(api: FakeAPI, kubeconfig: Path) -> None:
    result = run(kubeconfig, "--context", "recorded", "--context", "other", "-o", "json", "-n", "shop")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert [c["context"] for c in doc["clusters"]] == ["recorded", "other"]
    assert {f["cluster"] for f in doc["findings"]} == {"recorded", "other"}
    assert [(v["cluster"], v["namespace"]) for v in doc["readiness"]] == [("recorded", "shop"), ("other", "shop")]
    text = run(kubeconfig, "--all-contexts", "-n", "shop").stdout
    assert f"recorded ({api.url}): PSS readiness per namespace" in text
    assert f"other ({api.url}): PSS readiness per namespace" in text
    # each object's header names its cluster
    assert "Deployment/shop/api  recorded/namespace/shop  " in text and "Deployment/shop/api  other/namespace/shop  " in text


def test_in_cluster_excludes_contexts(kubeconfig: Path) -> None:
    result = run(kubeconfig, "--in-cluster", "--context", "other")
    assert result.exit_code == 2 and "Traceback" not in result.output


# -- progress ---------------------------------------------------------------------------------


def test_progress_at_a_terminal_only(kubeconfig: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = run(kubeconfig, "-o", "json")
    assert "\r" not in quiet.stderr
    monkeypatch.setattr(cli_audit, "_is_terminal", lambda: True)
    shown = run(kubeconfig, "-o", "json")
    assert shown.exit_code == 1
    assert "\r" in shown.stderr and "recorded: evaluated " in shown.stderr
    json.loads(shown.stdout)  # stdout untouched


def test_progress_line() -> None:
    p = Progress()
    p.context = "prod"
    p.add_listed("pods", 1500)
    p.add_listed("configmaps", 20)
    assert cli_audit.progress_line(p, False) == "prod: listed 1,500 pods, 20 other objects"
    p.namespaces = 300
    p.evaluated(namespaces=12, pods=5000)
    assert cli_audit.progress_line(p, True) == "prod: evaluated 12/300 namespaces, 5,000 pods"


def test_output_file_is_written_whole(kubeconfig: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = run(kubeconfig, "-o", "json", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    json.loads(out.read_text())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".podwarden-")] == []


def test_spool_files_by_namespace_and_forgets_a_restarted_list() -> None:
    from podwarden.cluster.spool import Spool

    spool = Spool()
    try:
        pods = spool.writer("Pod")
        pods.add([{"kind": "Pod", "metadata": {"namespace": "a", "name": "stale"}}])
        pods.restart()  # an expired continue token: the list starts again
        pods.add([{"kind": "Pod", "metadata": {"namespace": n, "name": f"p{i}"}} for i, n in enumerate("abab")])
        assert spool.count("a", "Pod") == 0  # nothing visible before the list completes
        pods.commit()
        assert [p["metadata"]["name"] for p in spool.read("a", "Pod")] == ["p0", "p2"]
        assert [p["metadata"]["name"] for p in spool.read("b", "Pod")] == ["p1", "p3"]
        assert list(spool.namespaces) == ["a", "b"]
    finally:
        spool.close()
