"""A settings file's option values are checked when it is read: a wrong one is an error
naming the file and the line, never the option a command line would have, nor the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b, securityContext: {privileged: true}}]\n"


def _check(tmp_path: Path, settings: str) -> tuple[int, str]:
    (tmp_path / ".podwarden.yaml").write_text("only: [pss]\n" + settings)
    (tmp_path / "pod.yaml").write_text(POD)
    result = CliRunner().invoke(main, ["check", "--config", str(tmp_path / ".podwarden.yaml"),
                                       str(tmp_path / "pod.yaml")])
    return result.exit_code, result.stderr


@pytest.mark.parametrize(("settings", "key"), [
    ("level: restrictedd_ghp_x\n", "level"),
    ("level: [baseline]\n", "level"),
    ("min-severity: loud_ghp_x\n", "min-severity"),
    ("k8s-version: 1.30\n", "k8s-version"),  # read as 1.3: which was meant cannot be told
    ("k8s-version: v2_ghp_x\n", "k8s-version"),
])
def test_a_wrong_value_names_the_file_and_line_not_the_value(tmp_path: Path, settings: str, key: str) -> None:
    code, stderr = _check(tmp_path, settings)
    assert code == 2
    assert f".podwarden.yaml:2: '{key}' must be " in stderr
    assert "ghp_x" not in stderr and "--" not in stderr


@pytest.mark.parametrize("settings", ["level: baseline\n", "k8s-version: 1.29\n", "k8s-version: 'v1.30'\n",
                                      "min-severity: high\n"])
def test_right_values_are_taken(tmp_path: Path, settings: str) -> None:
    code, stderr = _check(tmp_path, settings)
    assert code == 1 and "error" not in stderr
