"""`podwarden pss` end to end: exit codes, the PSA-style text verdict, `-o json` and
`--per-file -o json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main
from tests.conftest import ROOT

GUIDE_POD = ROOT / "examples" / "aks-guide-example-pod.yaml"

CLEAN = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
  namespace: shop
spec:
  selector:
    matchLabels: {app: storefront}
  template:
    metadata:
      labels: {app: storefront}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: myregistry.azurecr.io/storefront:2.4.1
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
"""

#: one pod that violates all 19 upstream checks at the newest version
WORST = """\
apiVersion: v1
kind: Pod
metadata:
  name: worst
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  hostNetwork: true
  hostPID: true
  securityContext:
    runAsNonRoot: false
    runAsUser: 0
    seccompProfile: {type: Unconfined}
    seLinuxOptions: {type: spc_t}
    windowsOptions: {hostProcess: true}
    sysctls:
      - {name: kernel.msgmax, value: "65536"}
  containers:
    - name: app
      image: myregistry.azurecr.io/app:1.0
      ports:
        - {containerPort: 80, hostPort: 80}
      livenessProbe:
        httpGet: {host: 10.0.0.1, port: 80}
      securityContext:
        privileged: true
        allowPrivilegeEscalation: true
        procMount: Unmasked
        capabilities: {add: [SYS_ADMIN]}
  volumes:
    - name: root
      hostPath: {path: /}
"""

#: where WORST starts in ``CLEAN + "---\n" + WORST``
WORST_LINE = len(CLEAN.splitlines()) + 2

#: upstream check id -> PSA's reason, from design/pss-spec.md §2
BASELINE_CHECKS = {
    "privileged": "privileged",
    "hostNamespaces": "host namespaces",
    "capabilities_baseline": "non-default capabilities",
    "hostPathVolumes": "hostPath volumes",
    "hostPorts": "hostPort",
    "appArmorProfile": "forbidden AppArmor profile(s)",
    "seLinuxOptions": "seLinuxOptions",
    "procMount": "procMount",
    "seccompProfile_baseline": "seccompProfile",
    "sysctls": "forbidden sysctls",
    "windowsHostProcess": "hostProcess",
    "hostProbesAndHostLifecycle": "probe or lifecycle host",
}
RESTRICTED_CHECKS = {
    "restrictedVolumes": "restricted volume types",
    "runAsNonRoot": "runAsNonRoot != true",
    "allowPrivilegeEscalation": "allowPrivilegeEscalation != false",
    "seccompProfile_restricted": "seccompProfile",
    "capabilities_restricted": "unrestricted capabilities",
    "runAsUser": "runAsUser=0",
    "procMount_restricted": "procMount",
}
OVERRIDDEN = {"capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline", "procMount"}
AT_RESTRICTED = {k: v for k, v in {**BASELINE_CHECKS, **RESTRICTED_CHECKS}.items() if k not in OVERRIDDEN}


def pss(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["pss", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- exit codes -------------------------------------------------------------------------


def test_exit_0_when_every_pod_is_allowed(tmp_path: Path) -> None:
    code, out, err = pss(write(tmp_path, "ok.yaml", CLEAN))
    assert (code, err) == (0, "")
    assert out == "1 of 1 pod-bearing objects allowed at restricted:latest\n"


def test_exit_1_on_violations(tmp_path: Path) -> None:
    assert pss(write(tmp_path, "worst.yaml", WORST))[0] == 1
    assert pss("--level", "baseline", str(GUIDE_POD))[0] == 1


def test_privileged_level_allows_everything(tmp_path: Path) -> None:
    code, out, _ = pss("--level", "privileged", write(tmp_path, "worst.yaml", WORST))
    assert code == 0
    assert out == "1 of 1 pod-bearing objects allowed at privileged:latest\n"


@pytest.mark.parametrize("args", [
    ["--level", "strict"],
    ["--version", "v2.0"],
    ["--version", "v1.05"],
    ["-o", "sarif"],
])
def test_exit_2_on_bad_usage(tmp_path: Path, args: list[str]) -> None:
    code, _, err = pss(*args, write(tmp_path, "ok.yaml", CLEAN))
    assert code == 2
    assert err.strip()


def test_exit_2_on_bad_input_and_other_files_still_judged(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: Pod\nspec: [unclosed\n")
    worst = write(tmp_path, "worst.yaml", WORST)
    missing = str(tmp_path / "missing.yaml")
    code, out, err = pss(broken, worst, missing)
    assert code == 2  # errors win over violations
    assert "Pod/worst violates PodSecurity" in out
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert any(line.startswith(f"error: {broken}:") for line in lines)
    assert f"error: {missing}: no such file or directory" in lines


def test_stdin(tmp_path: Path) -> None:
    code, out, _ = pss("--level", "baseline", "-", input=WORST)
    assert code == 1
    assert out.startswith('-:1: Pod/worst violates PodSecurity "baseline:latest"\n')


# -- text output ------------------------------------------------------------------------


def _check_lines(out: str) -> dict[str, str]:
    """``  check: reason (details)`` lines -> {check: rest}."""
    found = {}
    for line in out.splitlines():
        if line.startswith("  "):
            check, _, rest = line.strip().partition(": ")
            assert check not in found, f"{check} listed twice"
            found[check] = rest
    return found


@pytest.mark.parametrize(("level", "expected"), [
    ("baseline", BASELINE_CHECKS),
    ("restricted", AT_RESTRICTED),
])
def test_text_names_every_violated_check_with_psa_reason(
    tmp_path: Path, level: str, expected: dict[str, str]
) -> None:
    path = write(tmp_path, "worst.yaml", WORST)
    code, out, _ = pss("--level", level, path)
    assert code == 1
    assert out.splitlines()[0] == f'{path}:1: Pod/worst violates PodSecurity "{level}:latest"'
    lines = _check_lines(out)
    assert set(lines) == set(expected)
    for check, reason in expected.items():
        assert lines[check].startswith(f"{reason} ("), (check, lines[check])
    assert out.splitlines()[-1] == f"0 of 1 pod-bearing objects allowed at {level}:latest"


def test_text_details_carry_the_offending_values(tmp_path: Path) -> None:
    code, out, _ = pss("--level", "baseline", write(tmp_path, "worst.yaml", WORST))
    lines = _check_lines(out)
    assert lines["hostNamespaces"] == (
        "host namespaces (pod must not set hostNetwork=true; pod must not set hostPID=true)")
    assert 'must not add capability "SYS_ADMIN"' in lines["capabilities_baseline"]
    assert "must not use hostPort 80" in lines["hostPorts"]
    assert 'seLinuxOptions.type="spc_t"' in lines["seLinuxOptions"]
    assert 'sysctl "kernel.msgmax"' in lines["sysctls"]
    assert 'seccompProfile.type="Unconfined"' in lines["seccompProfile_baseline"]
    assert 'procMount="Unmasked"' in lines["procMount"]
    assert '="unconfined"' in lines["appArmorProfile"]
    assert 'httpGet.host="10.0.0.1"' in lines["hostProbesAndHostLifecycle"]
    assert 'volume "root"' in lines["hostPathVolumes"]


def test_text_aks_guide_pod_at_baseline() -> None:
    code, out, _ = pss("--level", "baseline", str(GUIDE_POD))
    assert code == 1
    assert _check_lines(out) == {
        "capabilities_baseline": 'non-default capabilities (container "security-context-demo" must not add '
                                 'capability "NET_ADMIN"; container "security-context-demo" must not add '
                                 'capability "SYS_TIME")',
    }


def test_text_version_names_what_was_applied(tmp_path: Path) -> None:
    path = write(tmp_path, "worst.yaml", WORST)
    _, out, _ = pss("--version", "v1.99", path)
    assert 'violates PodSecurity "restricted:v1.37"' in out
    _, out, _ = pss("--version", "v1.22", path)
    assert 'violates PodSecurity "restricted:v1.22"' in out
    # v1.22 has no runAsUser check and no probe host check yet
    assert "runAsUser" not in _check_lines(out) and "hostProbesAndHostLifecycle" not in _check_lines(out)
    assert "capabilities_restricted" in _check_lines(out)


def test_text_lists_only_objects_that_violate(tmp_path: Path) -> None:
    path = write(tmp_path, "two.yaml", CLEAN + "---\n" + WORST)
    code, out, _ = pss(path)
    assert code == 1
    headers = [line for line in out.splitlines() if "violates" in line]
    assert headers == [f'{path}:{WORST_LINE}: Pod/worst violates PodSecurity "restricted:latest"']
    assert out.splitlines()[-1] == "1 of 2 pod-bearing objects allowed at restricted:latest"


def test_checks_are_ordered_as_psa_orders_them(tmp_path: Path) -> None:
    # PSA: baseline checks first, then restricted, each group sorted by check id (byte order)
    _, out, _ = pss(write(tmp_path, "worst.yaml", WORST))
    order = list(_check_lines(out))
    baseline = sorted(c for c in order if c in BASELINE_CHECKS)
    restricted = sorted(c for c in order if c in RESTRICTED_CHECKS)
    assert order == baseline + restricted


# -- -o json ----------------------------------------------------------------------------


def test_json_per_object(tmp_path: Path) -> None:
    path = write(tmp_path, "two.yaml", CLEAN + "---\n" + WORST)
    code, out, _ = pss("--level", "baseline", "-o", "json", path)
    assert code == 1
    doc = json.loads(out)
    assert {"level", "version", "allowed", "objects", "errors"} <= set(doc)
    assert (doc["level"], doc["version"], doc["allowed"], doc["errors"]) == ("baseline", "latest", False, [])
    clean, worst = doc["objects"]
    assert clean == {
        "file": path, "line": 1, "allowed": True, "violations": [],
        "object": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "storefront"},
    }
    assert (worst["file"], worst["line"], worst["allowed"]) == (path, WORST_LINE, False)
    assert worst["object"]["name"] == "worst"
    by_check = {v["check"]: v for v in worst["violations"]}
    assert {c: v["reason"] for c, v in by_check.items()} == BASELINE_CHECKS
    for v in worst["violations"]:
        assert {"check", "rule", "reason", "details", "paths"} <= set(v)
        assert v["rule"].startswith("pss/")
        assert len(v["details"]) == len(v["paths"]) >= 1
    assert by_check["hostNamespaces"]["rule"] == "pss/host-namespaces"
    assert by_check["hostNamespaces"]["paths"] == ["spec.hostNetwork", "spec.hostPID"]
    assert by_check["capabilities_baseline"]["details"] == ['container "app" must not add capability "SYS_ADMIN"']
    assert by_check["capabilities_baseline"]["paths"] == ["spec.containers[0].securityContext.capabilities.add[0]"]


def test_json_allowed_and_version(tmp_path: Path) -> None:
    code, out, _ = pss("-o", "json", "--version", "v1.99", write(tmp_path, "ok.yaml", CLEAN))
    assert code == 0
    doc = json.loads(out)
    assert (doc["version"], doc["allowed"]) == ("v1.37", True)
    assert [o["allowed"] for o in doc["objects"]] == [True]


def test_json_errors_make_it_not_allowed(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "kind: Pod\n  bad: indent\n")
    code, out, _ = pss("-o", "json", broken, write(tmp_path, "ok.yaml", CLEAN))
    assert code == 2
    doc = json.loads(out)
    assert doc["allowed"] is False
    assert len(doc["errors"]) == 1 and doc["errors"][0].startswith(f"{broken}:")


# -- --per-file -o json -------------------------------------------------------------------


def _tree(tmp_path: Path) -> dict[str, str]:
    files = {
        "a-clean.yaml": CLEAN,
        "b-two-bad.yaml": WORST + "---\n" + WORST.replace("name: worst", "name: worse"),
        "c-broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
        "d-configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n",
        "sub/e-cronjob.yml": yaml.safe_dump({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "job", "image": "myregistry.azurecr.io/job:1",
                                "securityContext": {"privileged": True}}]}}}}},
        }),
    }
    return {name: write(tmp_path / "manifests", name, text) for name, text in files.items()}


def test_per_file_json_has_one_entry_per_file_read(tmp_path: Path) -> None:
    paths = _tree(tmp_path)
    code, out, err = pss("--level", "baseline", "--per-file", "-o", "json", str(tmp_path / "manifests"))
    assert code == 2
    doc = json.loads(out)
    assert "files" in doc and "objects" not in doc
    entries = {e["path"]: e for e in doc["files"]}
    assert len(doc["files"]) == len(entries) == len(paths)
    assert set(entries) == set(paths.values())
    for e in doc["files"]:
        assert {"path", "allowed", "violations"} <= set(e)

    clean = entries[paths["a-clean.yaml"]]
    assert (clean["allowed"], clean["violations"]) == (True, [])

    two = entries[paths["b-two-bad.yaml"]]
    assert two["allowed"] is False
    names = {v["object"]["name"] for v in two["violations"]}
    assert names == {"worst", "worse"}
    assert len(two["violations"]) == 2 * len(BASELINE_CHECKS)
    assert {v["check"] for v in two["violations"]} == set(BASELINE_CHECKS)

    broken = entries[paths["c-broken.yaml"]]
    assert broken["allowed"] is False and broken["violations"] == []
    assert broken["error"].startswith(paths["c-broken.yaml"] + ":")
    assert any(line.startswith(f"error: {paths['c-broken.yaml']}:") for line in err.splitlines())

    config = entries[paths["d-configmap.yaml"]]
    assert (config["allowed"], config["violations"]) == (True, [])

    cron = entries[paths["sub/e-cronjob.yml"]]
    assert cron["allowed"] is False
    assert [(v["check"], v["paths"]) for v in cron["violations"]] == [
        ("privileged", ["spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"]),
    ]


def test_per_file_json_missing_file_gets_an_entry(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    ok = write(tmp_path, "ok.yaml", CLEAN)
    code, out, _ = pss("--per-file", "-o", "json", ok, missing)
    assert code == 2
    files: list[dict[str, Any]] = json.loads(out)["files"]
    assert sorted(e["path"] for e in files) == sorted([ok, missing])
    by_path = {e["path"]: e for e in files}
    assert by_path[ok]["allowed"] is True
    assert by_path[missing]["allowed"] is False and "no such file" in by_path[missing]["error"]


def test_per_file_json_all_clean_exits_0(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", CLEAN)
    b = write(tmp_path, "b.yaml", CLEAN.replace("storefront", "checkout"))
    code, out, err = pss("--per-file", "-o", "json", a, b)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert [(e["path"], e["allowed"], e["violations"]) for e in doc["files"]] == [(a, True, []), (b, True, [])]
    assert (doc["level"], doc["version"], doc["errors"]) == ("restricted", "latest", [])


def test_skip_non_manifests_for_pre_commit(tmp_path: Path) -> None:
    ci = write(tmp_path, "ci.yml", "name: ci\non: [push]\njobs: {}\n")
    good = write(tmp_path, "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                 "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n"
                 "  containers:\n  - name: c\n    image: i\n    securityContext:\n"
                 "      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n")
    code, out, err = pss(ci, good)
    assert code == 2 and f"error: {ci}:1: not a Kubernetes object" in err
    assert out.endswith("1 of 1 pod-bearing objects allowed at restricted:latest; 1 error\n")
    code, out, err = pss("--skip-non-manifests", ci, good)
    assert code == 0 and "error" not in err and "note: skipped 1 file(s) without Kubernetes objects or with unrendered Helm templates" in err
    code, _, _ = pss("--skip-non-manifests", ci)
    assert code == 0


LEAKY = """\
apiVersion: v1
kind: Pod
metadata:
  name: leaky
spec:
  volumes:
  - name: cache
    hostPath:
      path: /var/AKIAIOSFODNN7EXAMPLX
  containers:
  - name: app
    image: nginx
    securityContext:
      capabilities:
        add: ["AKIAIOSFODNN7EXAMPLX"]
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_credential_quoted_by_a_pss_message_is_shown_as_its_fingerprint(tmp_path: Path, fmt: str) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(LEAKY)
    result = CliRunner().invoke(main, ["pss", str(manifest), "-o", fmt])
    assert result.exit_code == 1
    assert "AKIAIOSFODNN7EXAMPLX" not in result.output
    text = result.output if fmt == "text" else " ".join(
        d for v in json.loads(result.output)["objects"][0]["violations"] for d in v["details"])
    assert 'must not add capability "AKIA...(20)#' in text
    assert "credentials/" not in result.output  # the family runs to hide, not to report


def test_files_read_in_several_processes_give_the_same_verdicts(tmp_path: Path) -> None:
    for n in range(6):
        (tmp_path / f"pod{n}.yaml").write_text(LEAKY.replace("leaky", f"leaky{n}") if n % 2 else CLEAN)
    outputs = [CliRunner().invoke(main, ["pss", str(tmp_path), "-o", "json", "-j", jobs]) for jobs in ("1", "2")]
    assert [r.exit_code for r in outputs] == [1, 1]
    assert outputs[0].output == outputs[1].output
    assert len(json.loads(outputs[0].output)["objects"]) == 6


def test_text_verdicts_escape_control_characters(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p\x1b[2J"},
           "spec": {"containers": [{"name": "a\r\nFAKE allowed", "image": "b", "securityContext": {"privileged": True}}]}}
    (tmp_path / "pod.json").write_text(json.dumps(pod))
    result = CliRunner().invoke(main, ["pss", str(tmp_path / "pod.json")])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\r" not in result.output
    assert not any(line.startswith("FAKE") for line in result.output.splitlines())
