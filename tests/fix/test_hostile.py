"""``fix`` on inputs a hostile review sent: a clean refusal or a correct fix, never an
internal error, a replaced symlink or bytes lost outside the edits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.fix.yamlnodes import FixRefused, compose_all

EXPLICIT_KEY = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  ? containers
  : - name: a
      image: b
"""

SHARED_DROP = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: b
    securityContext:
      capabilities:
        drop: &d [NET_RAW]
  - name: c
    image: b
    securityContext:
      capabilities:
        drop: *d
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_an_explicit_key_mapping_gets_its_new_keys_at_the_question_mark_column(tmp_path: Path) -> None:
    path = tmp_path / "qk.yaml"
    path.write_text(EXPLICIT_KEY)
    code, _, err = run("fix", "--write", str(path))
    assert code == 1, err  # written; findings needing --unsafe remain
    fixed = path.read_text()
    assert fixed.startswith(EXPLICIT_KEY)
    assert "\n  securityContext:\n    runAsNonRoot: true\n" in fixed
    data = yaml.safe_load(fixed)
    assert data["spec"]["securityContext"]["runAsNonRoot"] is True
    assert data["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False


def test_a_block_ending_with_an_alias_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ca.yaml"
    path.write_text(SHARED_DROP)
    code, out, err = run("fix", "--write", str(path))
    assert code == 2
    assert out == ""
    assert err.splitlines()[0] == (f"error: {path}:15: not rewritten: a block ending with a YAML "
                                   "alias ('*'): fix it by hand")
    assert "internal error" not in err
    assert path.read_text() == SHARED_DROP


def test_a_text_no_parser_reads_is_a_refusal_not_a_library_error() -> None:
    with pytest.raises(FixRefused, match="cannot be edited in place"):
        compose_all("a:\n  - b\n c: d\n")


FLOW_POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: {containers: [{name: a, image: b}]}\n"


def test_write_through_a_symlink_fixes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "pod.yaml"
    target.write_text(FLOW_POD)
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(Path("real") / "pod.yaml")
    code, _, err = run("fix", "--write", str(link))
    assert code == 1, err
    assert f"fixed {link} (4 finding(s))" in err
    assert link.is_symlink() and link.readlink() == Path("real") / "pod.yaml"
    assert (target.stat().st_mode & 0o7777) == 0o640
    assert "allowPrivilegeEscalation: false" in target.read_text()
    assert sorted(p.name for p in real_dir.iterdir()) == ["pod.yaml"]  # no temporary file left
