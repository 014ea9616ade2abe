"""Start-up: the static lists that spare a short run its imports and directory walks are
complete, and a `check` run imports only what it needs."""

from __future__ import annotations

import gc
import json
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import podwarden.cli as cli
from podwarden.cli.common import FilePath
from podwarden.config import discover as discover_configuration
from podwarden.rules.api import Version, Violation
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


def test_a_check_run_imports_only_its_own_command_and_reporter(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from podwarden.cli import run\n"
        "sys.argv = ['podwarden', 'check', sys.argv[1]]\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "from podwarden.rules.rbac import _builtin\n"
        "print(_builtin._table.cache_info().currsize, _builtin._roles.cache_info().currsize)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    pod = ROOT / "examples" / "aks-guide-example-pod-hardened.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(pod)], capture_output=True, text=True, check=True,
                         cwd=tmp_path)  # no configuration file found upward
    *_, tables_built, modules = out.stdout.strip().splitlines()
    loaded = set(modules.split())
    assert tables_built == "0 0"  # no binding in the input: the built-in RBAC roles are not built
    assert "podwarden.cli.check" in loaded and "podwarden.report.text" in loaded
    unwanted = {"podwarden.cli.fix", "podwarden.cli.serve", "podwarden.cli.audit", "podwarden.cli.rules",
                "podwarden.fix", "podwarden.webhook", "podwarden.cluster", "podwarden.report.html",
                "podwarden.report.json", "podwarden.report.sarif", "podwarden.docs", "multiprocessing",
                "tempfile", "pathlib", "json", "dataclasses"}
    assert not unwanted & loaded, sorted(unwanted & loaded)


def test_configuration_is_found_upward_through_a_symlink_as_a_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "repo" / "deep" / "er").mkdir(parents=True)
    (tmp_path / "repo" / ".podwarden.yml").write_text("level: baseline\n")
    (tmp_path / "link").symlink_to(tmp_path / "repo" / "deep" / "er")
    found = discover_configuration(str(tmp_path / "link"))
    assert isinstance(found, Path) and found == (tmp_path / "repo" / ".podwarden.yml").resolve()
    (tmp_path / "repo" / ".podwarden.yaml").write_text("level: baseline\n")  # .yaml first
    assert discover_configuration(str(tmp_path / "repo" / "deep")) == (tmp_path / "repo" / ".podwarden.yaml").resolve()
    (tmp_path / "none").mkdir()
    here = os.getcwd()
    try:
        os.chdir(tmp_path / "none")
        assert discover_configuration() in (None, *(Path(p, ".podwarden.yaml") for p in Path(tmp_path).parents))
    finally:
        os.chdir(here)


def test_file_options_are_paths_as_given() -> None:
    @click.command()
    @click.option("--config", type=FilePath())
    def show(config: Path | None) -> None:
        click.echo(f"{type(config).__name__} {config}")

    assert CliRunner().invoke(show, ["--config", "./a//b.yaml"]).output == "PosixPath a/b.yaml\n"
    assert CliRunner().invoke(show, []).output == "NoneType None\n"
    refused = CliRunner().invoke(show, ["--config", str(Path(__file__).parent)])
    assert refused.exit_code == 2 and "is a directory" in refused.output


def test_records_keep_their_dataclass_behaviour() -> None:
    assert Version(25) == Version.parse("v1.25") and Version(9) < Version(25) and str(Version(3)) == "v1.3"
    assert repr(Version(25)) == "Version(minor=25)"
    assert sorted([Version(30), Version(9)]) == [Version(9), Version(30)] and Version(9) <= Version(9)
    assert Version(25) != (25,) and {Version(25): 1}[Version(25)] == 1
    assert pickle.loads(pickle.dumps(Version(25))) == Version(25)
    with pytest.raises(TypeError):
        _ = Version(25) < (26,)  # type: ignore[operator]
    with pytest.raises(AttributeError):
        del Version(25).minor
    with pytest.raises(AttributeError):
        Version(25).minor = 26  # type: ignore[misc]
    v = Violation(("spec",), "bad", secret="fp:1234", value="hunter2-secret")
    assert v == Violation(("spec",), "bad", "fp:1234", None, None, "hunter2-secret")
    assert "hunter2-secret" not in repr(v) and "fp:1234" in repr(v)  # the credential never shows
    assert v.value == "hunter2-secret" and v.hint is None
    assert hash(v) == hash(Violation(("spec",), "bad", "fp:1234", None, None, "hunter2-secret"))
    assert pickle.loads(pickle.dumps(v)) == v  # to and from -j workers
    with pytest.raises(TypeError):
        json.dumps(v)  # not a tuple: the credential cannot be serialized with the rest
    with pytest.raises(TypeError):
        tuple(v)  # type: ignore[arg-type]


def test_a_command_runs_with_the_collector_thresholds_it_started_with() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(100_000, 10, 10)  # as importing the command line leaves it
        out = CliRunner().invoke(cli.main, ["explain", "pss/privileged"])
        assert out.exit_code == 0 and gc.get_threshold() == cli._THRESHOLD
    finally:
        gc.set_threshold(*before)
