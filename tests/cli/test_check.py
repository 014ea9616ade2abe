"""`podwarden check` end to end through the CLI: formats, selection, config, suppression,
baselines, parallel jobs and exit codes."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from podwarden.cli import main
from tests.conftest import ROOT, SHARED

EXAMPLES = ROOT / "examples"
GUIDE_POD = EXAMPLES / "aks-guide-example-pod.yaml"
HARDENED = EXAMPLES / "aks-guide-example-pod-hardened.yaml"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  annotations: {ANNOTATIONS}
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
      annotations: {TEMPLATE_ANNOTATIONS}
    spec:
      containers:
        - name: api
          image: example.azurecr.io/api:1.0
          securityContext:
            privileged: true
        - name: sidecar
          image: example.azurecr.io/proxy:1.0
          securityContext:
            privileged: true
"""


def deployment(annotations: str = "{}", template_annotations: str = "{}") -> str:
    return DEPLOYMENT.replace("{ANNOTATIONS}", annotations).replace("{TEMPLATE_ANNOTATIONS}", template_annotations)


def invoke(*args: str, input: str | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is not None:
        old = os.getcwd()
        os.chdir(cwd)
    try:
        result = runner.invoke(main, ["check", *args], input=input)
    finally:
        if cwd is not None:
            os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_exit_codes() -> None:
    assert invoke("--only", "pss", str(HARDENED))[0] == 0
    assert invoke("--only", "pss", str(GUIDE_POD))[0] == 1
    assert invoke("--level", "bogus", str(GUIDE_POD))[0] == 2
    assert invoke("--only", "nonsense", str(GUIDE_POD))[0] == 2


def test_text_output_reads_top_down_per_object() -> None:
    code, out, _ = invoke(str(EXAMPLES))
    assert code == 1
    lines = out.splitlines()
    # one header per object: what, where, worst severity, count, score
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Pod/security-context-demo  "))
    assert lines[head] == f"Pod/security-context-demo  {GUIDE_POD}:4  high, 8 findings, score 52"
    block = lines[head + 1:lines.index("", head)]
    findings = [ln for ln in block if not ln.lstrip().startswith("fix:")]
    severities = [ln.split()[1] for ln in findings]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)  # most severe first
    # the guide's two capabilities: one line each, PSS and hardening folded together
    assert sum("NET_ADMIN" in ln for ln in findings) == 1 and sum("SYS_TIME" in ln for ln in findings) == 1
    assert "(also hardening/added-capabilities)" in next(ln for ln in findings if "NET_ADMIN" in ln)
    # hints fit the finding: an added capability is not told to drop ALL
    net_admin = block.index(next(ln for ln in block if "NET_ADMIN" in ln))
    assert "Remove the capability from `capabilities.add`" in block[net_admin + 1]
    # each hint once per run
    hints = [ln.strip() for ln in lines if ln.lstrip().startswith("fix:")]
    assert len(hints) == len(set(hints))
    last = lines[-1]
    assert last.startswith(tuple("0123456789")) and "finding" in last and "file" in last
    assert last.endswith("/100") and "score" in last


def test_summary_and_quiet() -> None:
    code, out, _ = invoke("--summary", str(EXAMPLES))
    assert code == 1
    for heading in ("by severity:", "by rule:", "by namespace:", "worst objects:"):
        assert heading in out.splitlines()
    worst = out.split("worst objects:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    scores = [int(ln.split("/100")[0]) for ln in worst]
    assert scores == sorted(scores) and "DaemonSet/monitoring/log-agent" in worst[0]
    assert "pss/privileged" in out and "fix:" not in out  # counts, not findings
    code, out, err = invoke("--quiet", str(EXAMPLES))
    assert code == 1 and len(out.splitlines()) == 1 and "findings" in out
    # --quiet still shows errors
    code, out, err = invoke("-q", str(EXAMPLES), "/no/such.yaml")
    assert code == 2 and "error: /no/such.yaml" in err and len(out.splitlines()) == 1


def test_json_document() -> None:
    code, out, _ = invoke("--only", "pss", "-o", "json", str(GUIDE_POD))
    doc = json.loads(out)
    assert code == 1 and doc["version"] == 1
    assert doc["summary"]["findings"] == len(doc["findings"]) > 0
    f = next(f for f in doc["findings"] if "NET_ADMIN" in f["message"])
    assert f["rule"] == "pss/unrestricted-capabilities"
    assert f["line"] == 18 and f["path"] == "spec.containers[0].securityContext.capabilities.add[0]"
    assert f["object"] == {"apiVersion": "v1", "kind": "Pod", "namespace": None, "name": "security-context-demo"}


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_validates_against_official_schema(sarif_schema: dict) -> None:
    code, out, _ = invoke("-o", "sarif", str(EXAMPLES))
    log = json.loads(out)  # nothing but SARIF on stdout
    jsonschema.validate(log, sarif_schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert code == 1 and run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert result["partialFingerprints"]["podwarden/v1"]
    described = {r["id"]: r for r in rules}
    assert described["pss/privileged"]["help"]["markdown"].startswith("**Why.**")
    assert described["pss/privileged"]["properties"]["security-severity"] == "9.5"


def test_sarif_clean_run_has_results_array(sarif_schema: dict) -> None:
    code, out, _ = invoke("--only", "pss", "-o", "sarif", str(HARDENED))
    log = json.loads(out)
    jsonschema.validate(log, sarif_schema)
    assert code == 0 and log["runs"][0]["results"] == []


def test_sarif_reports_errors_as_notifications(tmp_path: Path, sarif_schema: dict) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    code, out, err = invoke("-o", "sarif", str(bad), str(GUIDE_POD))
    log = json.loads(out)
    jsonschema.validate(log, sarif_schema)
    invocation = log["runs"][0]["invocations"][0]
    assert code == 2 and invocation["executionSuccessful"] is False
    assert "invalid YAML" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_junit_parses_with_one_testcase_per_object(tmp_path: Path) -> None:
    code, out, _ = invoke("--only", "pss", "-o", "junit", str(EXAMPLES))
    root = ET.fromstring(out)
    cases = root.findall(".//testcase")
    failures = root.findall(".//failure")
    assert code == 1
    names = {c.get("name") for c in cases}
    assert "Pod/security-context-demo" in names and "DaemonSet/monitoring/log-agent" in names
    failing = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == len(failing)  # one failure per case: JUnit readers show only one
    agent = next(c for c in cases if c.get("name") == "DaemonSet/monitoring/log-agent")
    failure = agent.find("failure")
    assert failure is not None and failure.text is not None
    message = failure.get("message", "")
    assert "pss/privileged" in message and "pss/host-namespaces" in message
    assert failure.get("type") == "pss/privileged"  # the most severe (critical)
    blocks = [line for line in failure.text.splitlines() if line.startswith("[")]
    assert len(blocks) == int(message.split("] ", 1)[1].split(" finding")[0])
    assert "pss/host-namespaces at " in failure.text
    hardened_suite = next(s for s in root.findall("testsuite") if s.get("name", "").endswith("hardened.yaml"))
    assert hardened_suite.get("failures") == "0"


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = invoke("--only", "pss", "-o", "json", "--output", str(target), str(GUIDE_POD))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["findings"] > 0


def test_only_skip_and_min_severity() -> None:
    _, out, _ = invoke("--only", "pss/privileged,pss/host-namespaces", "-o", "json", str(EXAMPLES))
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"pss/privileged", "pss/host-namespaces"}
    _, out, _ = invoke("--only", "pss", "--skip", "pss/privileged", "--skip", "pss/volume-types",
                       "-o", "json", str(EXAMPLES))
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "pss/privileged" not in rules and "pss/volume-types" not in rules and rules
    _, out, _ = invoke("--only", "pss", "--min-severity", "critical", "-o", "json", str(EXAMPLES))
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"critical"}


def test_level_and_version_select_pss_rules() -> None:
    _, out, _ = invoke("--only", "pss", "--level", "baseline", "-o", "json", str(GUIDE_POD))
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"pss/non-default-capabilities"}
    _, out, _ = invoke("--only", "pss", "--k8s-version", "v1.21", "-o", "json", str(GUIDE_POD))
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "pss/unrestricted-capabilities" not in rules and "pss/non-default-capabilities" in rules


def test_stdin_dash() -> None:
    code, out, _ = invoke("--only", "pss", "-o", "json", "-", input=GUIDE_POD.read_text())
    doc = json.loads(out)
    assert code == 1 and {f["file"] for f in doc["findings"]} == {"-"}


def test_config_discovered_upward(tmp_path: Path) -> None:
    (tmp_path / ".podwarden.yaml").write_text(
        "level: baseline\nonly: [pss]\nrules:\n  pss/non-default-capabilities: {severity: low}\n")
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    code, out, _ = invoke("-o", "json", str(GUIDE_POD), cwd=sub)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert {(f["rule"], f["severity"]) for f in findings} == {("pss/non-default-capabilities", "low")}
    # the command line wins over the file
    _, out, _ = invoke("--level", "restricted", "-o", "json", str(GUIDE_POD), cwd=sub)
    assert "pss/unrestricted-capabilities" in {f["rule"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("args", [("--only", "pss", "--skip", "pss"), ("--only", "pss", "--level", "privileged")])
def test_a_selection_without_rules_is_an_error_not_a_pass(args: tuple[str, ...]) -> None:
    code, out, err = invoke(*args, str(GUIDE_POD))
    assert code == 2 and out == "" and "leave no rule to run" in err


def test_config_errors_are_one_line_naming_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    for text, problem in (("levle: baseline\n", "unknown key(s) levle"),
                          ("rules:\n  pss/nope: {severity: low}\n", "names unknown rule 'pss/nope'"),
                          ("level: baseline\nonly: [pss\n", ":3: invalid YAML:")):
        cfg.write_text(text)
        code, out, err = invoke("--config", str(cfg), str(GUIDE_POD))
        assert code == 2 and out == ""
        assert err.splitlines() == [err.strip()] and err.startswith(f"error: {cfg}") and problem in err


def test_suppression_on_workload_and_template_and_container(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(deployment())
    _, out, _ = invoke("--only", "pss/privileged", "-o", "json", str(f))
    assert len(json.loads(out)["findings"]) == 2
    # on the workload, with a reason
    f.write_text(deployment('{"podwarden.io/ignore": "pss/privileged", "podwarden.io/ignore-reason": "SEC-1"}'))
    code, out, _ = invoke("--only", "pss/privileged", "-o", "json", str(f))
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["summary"]["suppressed"] == 2
    assert {s["reason"] for s in doc["suppressed"]} == {"SEC-1"}
    # on the template, scoped to one container
    f.write_text(deployment(template_annotations='{"podwarden.io/ignore": "pss/privileged:sidecar"}'))
    code, out, _ = invoke("--only", "pss/privileged", "-o", "json", str(f))
    doc = json.loads(out)
    assert code == 1 and [x["path"] for x in doc["findings"]] == ["spec.template.spec.containers[0].securityContext.privileged"]
    assert doc["summary"]["suppressed"] == 1
    # never silent: text output says so
    _, out, _ = invoke("--only", "pss/privileged", str(f))
    assert "1 suppressed" in out and "suppressed: " in out


def test_unknown_rule_in_suppression_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(deployment('{"podwarden.io/ignore": "pss/privilegd"}'))
    code, out, _ = invoke("--only", "pss/privileged,suppression", "-o", "json", str(f))
    rules = [x["rule"] for x in json.loads(out)["findings"]]
    assert code == 1 and "suppression/unknown-rule-id" in rules and rules.count("pss/privileged") == 2


def test_baseline_fails_only_on_new_findings(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(deployment())
    baseline = tmp_path / "baseline.json"
    code, _, err = invoke("--only", "pss", "--write-baseline", str(baseline), str(f))
    assert code == 0 and "wrote" in err
    recorded = json.loads(baseline.read_text())
    assert recorded["version"] == 1 and all("fingerprint" in e for e in recorded["findings"])
    code, out, _ = invoke("--only", "pss", "--baseline", str(baseline), "-o", "json", str(f))
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["summary"]["baselined"] == len(recorded["findings"])
    # moving lines does not make old findings new; a new problem is reported
    f.write_text("# a comment that shifts every line\n\n" + deployment().replace(
        "      containers:", "      hostNetwork: true\n      containers:"))
    code, out, _ = invoke("--only", "pss", "--baseline", str(baseline), "-o", "json", str(f))
    assert code == 1 and [x["rule"] for x in json.loads(out)["findings"]] == ["pss/host-namespaces"]


def test_bad_baseline_file(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("[1, 2]")
    code, _, err = invoke("--baseline", str(bad), str(GUIDE_POD))
    assert code == 2 and err == f"error: --baseline {bad}: not a podwarden baseline file\n"


def test_jobs_give_identical_output() -> None:
    corpus = SHARED / "corpus" / "kubernetes-examples"
    _, serial, _ = invoke("-o", "json", "--jobs", "1", str(corpus))
    _, parallel, _ = invoke("-o", "json", "--jobs", "2", str(corpus))
    assert json.loads(serial)["summary"]["findings"] > 100
    assert serial == parallel


def test_help_everywhere() -> None:
    runner = CliRunner()
    for args in (["--help"], ["check", "--help"], ["pss", "--help"], ["rules", "--help"], ["explain", "--help"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Usage:" in result.stdout


@pytest.mark.parametrize(("asked", "hint"), [
    ("run-as-non-root", "did you mean pss/run-as-non-root?"),  # the family left out
    ("pss/privilegd", "did you mean pss/privileged?"),  # a typo
    ("seccomp", "hardening/seccomp-unconfined"),  # part of a name
    ("nope/rule", None),  # nothing close: no guess
])
def test_explain_suggests_only_close_rule_ids(asked: str, hint: str | None) -> None:
    result = CliRunner().invoke(main, ["explain", asked])
    assert result.exit_code == 2 and f"unknown rule {asked!r}" in result.output
    assert (hint in result.output) if hint else "did you mean" not in result.output


def test_output_to_a_device_writes_through_and_keeps_modes(tmp_path: Path) -> None:
    import stat

    code, _, _ = invoke("--only", "pss", "--output", os.devnull, str(GUIDE_POD))
    assert code == 1 and stat.S_ISCHR(os.stat(os.devnull).st_mode), "/dev/null must stay a device"
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    invoke("--only", "pss", "--output", str(target), str(GUIDE_POD))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and "pss/" in target.read_text()


def test_nothing_to_check_is_an_error_naming_the_input(tmp_path: Path) -> None:
    code, _, err = invoke("-", input="")
    assert code == 2 and "error: -: no Kubernetes objects in this file" in err
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    code, out, err = invoke("-o", "json", str(tmp_path))
    assert code == 2 and f"error: {tmp_path}: no Kubernetes objects found in the input" in err
    assert json.loads(out)["errors"] == [
        {"file": str(tmp_path), "line": 0, "message": "no Kubernetes objects found in the input"}]
    # an empty file named beside good ones (a failed `helm template > out.yaml`) is an error
    empty = tmp_path / "out.yaml"
    empty.write_text("---\n---\n")
    code, out, err = invoke("-o", "json", str(empty), str(GUIDE_POD))
    assert code == 2 and json.loads(out)["errors"] == [
        {"file": str(empty), "line": 0, "message": "no Kubernetes objects in this file"}]
    assert json.loads(out)["summary"]["files"] == 2
    for args in (["pss", str(empty)], ["pss", "-o", "json", str(empty)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and f"error: {empty}: no Kubernetes objects in this file" in result.stderr


def test_a_context_file_that_cannot_be_used_is_an_error(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [\n")
    for context, words in ((tmp_path / "missing.yaml", "no such file or directory"),
                           (binary, "not UTF-8 text"), (broken, "invalid YAML")):
        code, out, err = invoke("--context", str(context), "-o", "json", str(GUIDE_POD))
        assert code == 2 and f"error: {context}" in err and words in err
        assert [e["file"] for e in json.loads(out)["errors"]] == [str(context)]


def test_skip_non_manifests_for_pre_commit(tmp_path: Path) -> None:
    ci = tmp_path / "ci.yml"
    ci.write_text("on: [push]\njobs: {build: {runs-on: ubuntu-latest}}\n")
    template = tmp_path / "deploy.yaml"
    template.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    assert invoke(str(ci))[0] == 2  # named explicitly: not a manifest is an error
    code, _, err = invoke("--skip-non-manifests", str(ci), str(template))
    assert code == 0 and "skipped 2 file(s)" in err
    code, out, _ = invoke("--skip-non-manifests", "--only", "pss", str(ci), str(GUIDE_POD))
    assert code == 1 and "pss/" in out


def test_baseline_does_not_depend_on_how_paths_are_written(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(deployment())
    baseline = tmp_path / "baseline.json"
    assert invoke("--only", "pss", "--write-baseline", str(baseline), str(f))[0] == 0
    code, out, _ = invoke("--only", "pss", "--baseline", str(baseline), "-o", "json", "d.yaml", cwd=tmp_path)
    assert code == 0 and json.loads(out)["findings"] == []


def test_host_path_is_high_at_restricted_too() -> None:
    agent = EXAMPLES / "node-agent-daemonset.yaml"
    _, out, _ = invoke("--only", "pss", "--min-severity", "high", "-o", "json", str(agent))
    rules = {f["rule"]: f["severity"] for f in json.loads(out)["findings"]}
    assert rules["pss/volume-types"] == "high"


def test_pss_takes_k8s_version_like_check() -> None:
    result = CliRunner().invoke(main, ["pss", "--k8s-version", "v1.21", "-o", "json", str(GUIDE_POD)])
    assert result.exit_code == 1 and json.loads(result.stdout)["version"] == "v1.21"


def test_unknown_rule_settings_are_usage_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("rules:\n  pss/privileged: {enabled: false}\n")
    code, _, err = invoke("--config", str(cfg), str(GUIDE_POD))
    assert code == 2 and "unknown setting(s) enabled" in err
    cfg.write_text("rules:\n  hardening/added-capabilities: {allow: [NET_ADMIN], severity: low}\n")
    assert invoke("--config", str(cfg), str(GUIDE_POD))[0] == 1


def test_stdin_named_twice_is_read_once() -> None:
    _, once, _ = invoke("--only", "pss", "-o", "json", "-", input=GUIDE_POD.read_text())
    _, twice, _ = invoke("--only", "pss", "-o", "json", "-", "-", input=GUIDE_POD.read_text())
    assert json.loads(once)["summary"] == json.loads(twice)["summary"]


def test_one_finding_per_hazard_at_restricted_and_baseline_quietens_restricted_hazards() -> None:
    web = EXAMPLES / "web-deployment.yaml"
    _, out, _ = invoke("--only", "pss,hardening", "-o", "json", str(web))
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "pss/seccomp-profile-restricted" in rules and "hardening/seccomp-unconfined" not in rules
    assert "pss/unrestricted-capabilities" in rules and "hardening/capabilities-not-dropped" not in rules
    restricted_only = {"hardening/seccomp-unconfined", "hardening/capabilities-not-dropped",
                       "hardening/privilege-escalation", "hardening/run-as-root"}
    # --level baseline asks to leave restricted's hazards out: hardening's copies of them too
    _, out, _ = invoke("--only", "pss,hardening", "--level", "baseline", "-o", "json", str(web))
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert not restricted_only & rules and not any(r.startswith("pss/") and "restricted" in r for r in rules)
    # without the pss family nothing covers them: hardening speaks
    _, out, _ = invoke("--only", "hardening", "-o", "json", str(web))
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert restricted_only <= rules


def test_blast_radius_in_text_and_json() -> None:
    example = EXAMPLES / "rbac-secret-reader" / "invoice-renderer.yaml"
    code, out, _ = invoke("--blast-radius", "-o", "json", str(example))
    assert code == 1
    radii = json.loads(out)["blastRadius"]
    (deployment,) = [r for r in radii if r["object"]["kind"] == "Deployment"]
    api = [r for r in deployment["reach"] if r["kind"] == "kubernetes-api"]
    assert deployment["severity"] == "high" and api and api[0]["severity"] == "high"
    code, out, _ = invoke("--blast-radius", str(example))
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Deployment/billing/invoice-renderer  "))
    assert "  blast radius:" in lines[head:lines.index("", head)]
    # an object without findings still gets its header above its blast radius
    fixed = EXAMPLES / "rbac-secret-reader" / "invoice-renderer-fixed.yaml"
    _, out, _ = invoke("--blast-radius", str(fixed))
    assert out.splitlines()[0].endswith("no findings, score 100") and out.splitlines()[1] == "  blast radius:"
    # without the option there is no such section
    code, out, _ = invoke("-o", "json", str(example))
    assert "blastRadius" not in json.loads(out)


def test_scores_in_json_and_sarif() -> None:
    code, out, _ = invoke("-o", "json", str(EXAMPLES))
    doc = json.loads(out)
    hardened = next(o for o in doc["objects"] if "hardened" in o["file"] and o["object"]["kind"] == "Pod")
    assert hardened["score"] == 100 and hardened["findings"] == 0
    guide = next(o for o in doc["objects"] if o["file"] == str(GUIDE_POD))
    # 100 less each reporting rule's worst: 3 high rules (15 each), 3 low ones (1 each)
    rules = {f["rule"]: f["severity"] for f in doc["findings"] if f["file"] == str(GUIDE_POD)}
    assert sorted(rules.values()) == ["high"] * 3 + ["low"] * 3 and guide["score"] == 100 - 3 * 15 - 3 * 1
    scores = [o["score"] for o in doc["objects"]]
    assert doc["summary"]["score"] == round(sum(scores) / len(scores))
    assert doc["summary"]["worstObjects"][0]["score"] == min(scores)
    code, out, _ = invoke("-o", "sarif", str(EXAMPLES))
    run = json.loads(out)["runs"][0]
    assert run["properties"]["score"] == doc["summary"]["score"]
    guide_results = [r for r in run["results"]
                     if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(GUIDE_POD.name)]
    assert {r["properties"]["objectScore"] for r in guide_results} == {guide["score"]}


def test_a_pod_template_without_containers_is_a_patch_with_a_note(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
                     "    spec:\n      hostNetwork: true\n")
    code, out, err = invoke("-o", "json", str(patch))
    assert code == 1
    findings = json.loads(out)["findings"]
    # what the patch sets is judged; what it leaves unset (seccomp, runAsNonRoot...) is the base's
    assert [(f["rule"], f["path"]) for f in findings] == [("pss/host-namespaces", "spec.template.spec.hostNetwork")]
    assert f"note: {patch}:1: Deployment/web: pod template without containers: treated as a patch" in err
    # a patch setting nothing in the pod spec (replicas only) is no pod at all: nothing to say
    patch.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n")
    code, out, err = invoke(str(patch))
    assert code == 0 and "note:" not in err


def test_clear_words_output_path_explain_upstream_and_configuration(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "dir" / "x.json"
    code, _, err = invoke("-o", "json", "--output", str(missing), str(GUIDE_POD))
    assert code == 2 and err.strip() == f"error: --output {missing}: No such file or directory"
    # the upstream check id `pss` prints is a name explain knows
    result = CliRunner().invoke(main, ["explain", "runAsNonRoot"])
    assert result.exit_code == 0 and result.stdout.startswith("# `pss/run-as-non-root`")
    # the configuration in use is named
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("level: baseline\n")
    code, out, _ = invoke("--quiet", "--config", str(cfg), str(GUIDE_POD))
    assert out.rstrip().endswith(f"; configuration {cfg}")
    code, out, _ = invoke("-o", "json", "--config", str(cfg), str(GUIDE_POD))
    assert json.loads(out)["summary"]["configuration"] == str(cfg)
    code, out, _ = invoke("-o", "sarif", "--config", str(cfg), str(GUIDE_POD))
    assert json.loads(out)["runs"][0]["properties"]["configuration"] == str(cfg)


def test_pss_per_file_in_text() -> None:
    result = CliRunner().invoke(main, ["pss", "--per-file", str(EXAMPLES)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"{GUIDE_POD}: violates PodSecurity \"restricted:latest\" (1 of 1 pod-bearing object)" in lines
    assert f"{EXAMPLES / 'aks-guide-example-pod-hardened.yaml'}: allowed (1 pod-bearing object)" in lines
    assert lines[-1].endswith("pod-bearing objects allowed at restricted:latest")
