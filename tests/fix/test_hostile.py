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
