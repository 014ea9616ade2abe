"""Text reports never pass a manifest's control characters to the terminal: an escape
sequence, a carriage return or a line feed in a name or a value is written as an escape,
so a manifest can neither recolour the screen nor forge a line in a CI log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.report.text import safe

HOSTILE = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "shop\u202e",
                 "annotations": {"podwarden.io/ignore": "pss/privileged",
                                 "podwarden.io/ignore-reason": "ok\r\nFAKE: all clear"}},
    "spec": {"containers": [{"name": "a\x1b[2J\x00b", "image": "nginx",
                             "securityContext": {"privileged": True,
                                                 "capabilities": {"add": ["X\x1b[1;31mCAP\r\nFAKE: clean"]}}}]},
}


@pytest.mark.parametrize("args", [[], ["--summary"]])
def test_no_control_character_of_the_manifest_reaches_the_output(tmp_path: Path, args: list[str]) -> None:
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(HOSTILE))
    result = CliRunner().invoke(main, ["check", str(manifest), *args])
    assert result.exit_code == 1
    for char in ("\x1b", "\x00", "\r", "\u202e"):
        assert char not in result.stdout
    assert not any(line.startswith("FAKE") for line in result.stdout.splitlines())
    if not args:
        assert "a\\x1b[2J\\x00b" in result.stdout  # still readable, as an escape


def test_safe_leaves_printable_text_alone_and_escapes_the_rest() -> None:
    text = "Deployment/ünïcode-名前"
    assert safe(text) is text
    assert safe("a\tb\nc\x9bd") == "a\\x09b\\x0ac\\x9bd"
    assert safe("a\nb\x07", lines=True) == "a\nb\\x07"
    # invisible marks too: a zero-width space, an Arabic letter mark, a byte order mark, a tag
    assert safe("a\u200bb\u061cc\ufeffd\U000e0041") == "a\\u200bb\\u061cc\\ufeffd\\U000e0041"


def test_error_lines_on_stderr_escape_them_too(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p\x1b[2J\r\nerror: forged"},
           "spec": {"containers": [{"name": "a", "image": "b", "ports": [{"containerPort": "80x"}]}]}}
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(pod))
    result = CliRunner().invoke(main, ["check", str(manifest)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        line for line in result.stderr.splitlines() if "containerPort" in line]  # one error line, not two


def test_fix_messages_escape_them_too(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "evil\rerror: forged line"},
           "spec": {"containers": [{"name": "a", "image": "b", "securityContext": {"privileged": True}}]}}
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(pod))
    result = CliRunner().invoke(main, ["fix", str(manifest)])
    assert result.exit_code == 1
    assert "\r" not in result.stderr and "evil\\x0derror: forged line" in result.stderr
