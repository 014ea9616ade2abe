"""Start-up: the static lists that spare a short run its imports and directory walks are
complete, and a `check` run imports only what it needs."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import click
from click.testing import CliRunner

import podwarden.cli as cli
from podwarden.rules.registry import RULE_MODULES, Registry, discover, find_rule_modules
from tests.conftest import ROOT


def test_rule_modules_lists_every_rule_module() -> None:
    found = find_rule_modules()
    assert found == RULE_MODULES, (
        "podwarden/rules/registry.py RULE_MODULES differs from the rule modules on disk; "
        f"it should be: {found!r}"
    )


def test_built_in_rules_pass_the_full_validation_docs_included() -> None:
    registry = Registry(discover(), check_docs=True)
    assert len(registry) == sum(len(names) for names in RULE_MODULES.values())


def test_commands_names_every_command_of_every_module() -> None:
    defined: dict[str, str] = {}
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("_") or info.name == "common":
            continue
        for command in cli.module_commands(info.name):
            assert command.name, f"podwarden.cli.{info.name}: a command without a name"
            defined[command.name] = info.name
    assert defined == cli.COMMANDS


def test_help_lists_every_command() -> None:
    out = CliRunner().invoke(cli.main, ["--help"])
    assert out.exit_code == 0
    lines = out.output.split("Commands:\n", 1)[1].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert listed == sorted(cli.COMMANDS)


def test_an_unknown_command_suggests_a_near_one() -> None:
    out = CliRunner().invoke(cli.main, ["chek"])
    assert out.exit_code == 2
    assert "No such command 'chek'" in out.output
    assert "check" in out.output.split("No such command", 1)[1]


def test_commands_mapping_loads_on_demand() -> None:
    command = cli.main.commands["explain"]
    assert isinstance(command, click.Command) and command.name == "explain"


def test_a_check_run_imports_only_its_own_command_and_reporter() -> None:
    code = (
        "import sys\n"
        "from podwarden.cli import run\n"
        "sys.argv = ['podwarden', 'check', sys.argv[1]]\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    pod = ROOT / "examples" / "aks-guide-example-pod-hardened.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(pod)], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.strip().splitlines()[-1].split())
    assert "podwarden.cli.check" in loaded and "podwarden.report.text" in loaded
    unwanted = {"podwarden.cli.fix", "podwarden.cli.serve", "podwarden.cli.audit", "podwarden.cli.rules",
                "podwarden.fix", "podwarden.webhook", "podwarden.cluster", "podwarden.report.html",
                "podwarden.report.json", "podwarden.report.sarif", "podwarden.docs", "multiprocessing",
                "tempfile"}
    assert not unwanted & loaded, sorted(unwanted & loaded)
