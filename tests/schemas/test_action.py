"""The GitHub Action (action.yml): its one script run here as the action runs it, with the
inputs as environment variables and GitHub's output and summary files; the SARIF it writes
checked against the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, SHARED

SCRIPT = ROOT / "scripts" / "action_check.py"
EXAMPLES = ROOT / "examples"
POD = EXAMPLES / "aks-guide-example-pod.yaml"  # 5 high, 3 low findings
HARDENED = EXAMPLES / "aks-guide-example-pod-hardened.yaml"  # none
DAEMONSET = EXAMPLES / "node-agent-daemonset.yaml"  # 1 critical among them


class Ran:
    def __init__(self, done: subprocess.CompletedProcess[str], folder: Path) -> None:
        self.code = done.returncode
        self.out = done.stdout
        self.err = done.stderr
        output = folder / "output"
        self.outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
        summary = folder / "summary"
        self.summary = summary.read_text() if summary.exists() else ""


def action(tmp_path: Path, path_env: str | None = None, **inputs: str) -> Ran:
    """The script with INPUT_* variables, as the composite step runs it (install: none, with
    the podwarden of this checkout's environment on PATH)."""
    env = {"PATH": path_env if path_env is not None else f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "HOME": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "output"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "INPUT_INSTALL": "none",
           "INPUT_SARIF_FILE": str(tmp_path / "reports" / "podwarden.sarif")}
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    done = subprocess.run([sys.executable, str(SCRIPT)], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    return Ran(done, tmp_path)


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())
    return schema


def test_findings_at_the_threshold_fail_and_sarif_holds_them_all(tmp_path: Path,
                                                                 sarif_schema: dict[str, object]) -> None:
    ran = action(tmp_path, paths=f"{POD} {HARDENED}", fail_on="high")
    assert ran.code == 1, ran.err
    sarif = Path(ran.outputs["sarif-file"])
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, sarif_schema)
    severities = sorted(r["properties"]["severity"] for r in log["runs"][0]["results"])
    assert severities == ["high"] * 5 + ["low"] * 3  # the SARIF has every finding, not only failing ones
    assert ran.outputs["findings"] == "8" and ran.outputs["failed"] == "true"
    # the log lists what fails the job, as `check --min-severity high` words it
    assert "pss/" in ran.out and "fail: 5 finding(s) at or above high, 8 in all" in ran.out
    assert "| high | `pss/" in ran.summary and "**failed**" in ran.summary


def test_below_the_threshold_passes_with_the_findings_still_reported(tmp_path: Path) -> None:
    ran = action(tmp_path, paths=str(POD), fail_on="critical")
    assert ran.code == 0, ran.err
    assert ran.outputs["findings"] == "8" and ran.outputs["failed"] == "false"
    assert "pass: 0 finding(s) at or above critical" in ran.out and "**passed**" in ran.summary
    ran = action(tmp_path / "daemonset", paths=str(DAEMONSET), fail_on="critical")
    assert ran.code == 1 and ran.outputs["failed"] == "true"


def test_never_and_a_clean_manifest(tmp_path: Path) -> None:
    assert action(tmp_path / "a", paths=str(DAEMONSET), fail_on="never").code == 0
    clean = action(tmp_path / "b", paths=str(HARDENED), fail_on="info")
    assert clean.code == 0 and clean.outputs["findings"] == "0"
    assert json.loads(Path(clean.outputs["sarif-file"]).read_text())["runs"][0]["results"] == []


def test_args_reach_check(tmp_path: Path) -> None:
    # options of `check` apply to the SARIF and to the gate alike
    ran = action(tmp_path, paths=str(POD), args="--only credentials,identity --level baseline", fail_on="low")
    assert ran.code == 0, ran.err
    assert ran.outputs["findings"] == "0"


def test_suppressions_count_as_in_check(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    text = POD.read_text()
    assert "metadata:\n  name: security-context-demo\n" in text
    manifest.write_text(text.replace("metadata:\n  name: security-context-demo\n",
                                     "metadata:\n  name: security-context-demo\n  annotations:\n"
                                     "    podwarden.io/ignore: pss,hardening\n"
                                     "    podwarden.io/ignore-reason: reviewed in SEC-1\n"))
    ran = action(tmp_path / "run", paths=str(manifest), fail_on="low")
    assert ran.code == 0, ran.out + ran.err


@pytest.mark.parametrize(("inputs", "words"), [
    ({"fail_on": "severe"}, "fail-on: 'severe' is not one of"),
    ({"args": "-o json"}, "leave -o/--output out"),
    ({"args": "--output=x.json"}, "leave -o/--output out"),
    ({"args": "--no-such-option"}, "podwarden check exited 2"),
    ({"paths": "does/not/exist.yaml"}, "podwarden check exited 2"),
])
def test_errors_exit_2(tmp_path: Path, inputs: dict[str, str], words: str) -> None:
    ran = action(tmp_path, **{"paths": str(POD), **inputs})
    assert ran.code == 2 and words in ran.err, ran.err
    assert ran.outputs.get("failed") == "true"


def test_podwarden_missing_from_path_is_an_error(tmp_path: Path) -> None:
    ran = action(tmp_path, path_env="/nonexistent", paths=str(POD))
    assert ran.code == 2 and "podwarden is not on PATH" in ran.err


def test_action_yml_runs_the_script_with_these_inputs() -> None:
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    assert spec["runs"]["using"] == "composite"
    steps = spec["runs"]["steps"]
    (check,) = [s for s in steps if s.get("id") == "check"]
    assert check["run"] == 'python3 "$GITHUB_ACTION_PATH/scripts/action_check.py"'
    # every INPUT_* the step sets is an input of the action, and the script reads each
    script = SCRIPT.read_text()
    for variable, value in check["env"].items():
        name = variable.removeprefix("INPUT_").lower().replace("_", "-")
        assert f'_input("{name}"' in script, name
        assert name == "install" or value == f"${{{{ inputs.{name} }}}}", (variable, value)
    assert set(spec["inputs"]) >= {"paths", "args", "fail-on", "sarif-file", "upload-sarif", "version"}
    assert "github.action_path" in check["env"]["INPUT_INSTALL"]  # the action installs its own checkout
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert upload["if"].startswith("always()")  # the report is uploaded when findings fail the job
    assert set(spec["outputs"]) == {"sarif-file", "findings", "failed"}


def test_the_script_needs_nothing_but_the_standard_library() -> None:
    # it runs before podwarden is installed, on whatever python setup-python gave
    done = subprocess.run([sys.executable, "-I", "-S", "-c",
                           f"import runpy; runpy.run_path({str(SCRIPT)!r}, run_name='probe')"],
                          capture_output=True, text=True, check=False, env={"PATH": os.environ.get("PATH", "")})
    assert done.returncode == 0, done.stderr
