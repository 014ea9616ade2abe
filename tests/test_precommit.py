"""The pre-commit hook entries run real podwarden commands."""

from __future__ import annotations

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
