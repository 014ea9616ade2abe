"""The pre-commit hook entries run real podwarden commands."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from podwarden.cli import main
from tests.conftest import ROOT


def test_hooks_call_existing_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} >= {"podwarden"}
    for hook in hooks:
        argv = hook["entry"].split()
        assert argv[0] == "podwarden"
        result = CliRunner().invoke(main, [*argv[1:], str(ROOT / "examples" / "aks-guide-example-pod-hardened.yaml"),
                                           "--help"])
        assert result.exit_code == 0, result.output


def test_hooks_skip_files_that_are_not_manifests(tmp_path: Path) -> None:
    # pre-commit hands every changed YAML file to each hook: CI workflows, Helm values ...
    workflow = tmp_path / "ci.yml"
    workflow.write_text("name: ci\non: [push]\njobs: {}\n")
    hardened = ROOT / "examples" / "aks-guide-example-pod-hardened.yaml"
    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()):
        argv = hook["entry"].split()
        result = CliRunner().invoke(main, [*argv[1:], str(workflow), str(hardened)])
        assert result.exit_code == 0, (hook["id"], result.output)
