"""``fix`` on inputs a hostile review sent: a clean refusal or a correct fix, never an
internal error, a replaced symlink or bytes lost outside the edits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.fix.jsonedit import edit_json
from podwarden.fix.yamlnodes import FixRefused, compose_all
from podwarden.model.edits import Edit

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


PRETTY_JSON = """\
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "j", "annotations": {"a": "caf\\u00e9 \\ud83d\\ude00 \\/"}},
  "spec": {
    "containers": [
      {"name": "a", "image": "b"}
    ]
  }
}
"""


def test_fix_on_json_changes_no_byte_outside_the_edits(tmp_path: Path) -> None:
    path = tmp_path / "pod.json"
    path.write_text(PRETTY_JSON)
    code, _, err = run("fix", "--write", str(path))
    assert code == 1, err
    assert path.read_text() == """\
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "j", "annotations": {"a": "caf\\u00e9 \\ud83d\\ude00 \\/"}},
  "spec": {
    "containers": [
      {"name": "a", "image": "b", "securityContext": {"allowPrivilegeEscalation": false, \
"capabilities": {"drop": ["ALL"]}}}
    ],
    "securityContext": {
      "runAsNonRoot": true,
      "seccompProfile": {
        "type": "RuntimeDefault"
      }
    }
  }
}
"""


def test_json_edits_keep_compact_separators_and_crlf() -> None:
    compact = '{"spec":{"containers":[{"name":"a"}],"x":null}}'
    assert edit_json(compact, [Edit.set(("spec", "x", "y"), 1), Edit.add(("spec", "l"), "v")]) == \
        '{"spec":{"containers":[{"name":"a"}],"x":{"y":1},"l":["v"]}}'
    crlf = '{\r\n  "s": {},\r\n  "l": [\r\n    "A"\r\n  ]\r\n}\r\n'
    assert edit_json(crlf, [Edit.set(("s", "k"), True), Edit.add(("l",), "B")]) == \
        '{\r\n  "s": {\r\n    "k": true\r\n  },\r\n  "l": [\r\n    "A",\r\n    "B"\r\n  ]\r\n}\r\n'


def test_json_edits_replace_and_remove_exactly_their_characters() -> None:
    text = '{"a": 0, "b": [1, 2, 3], "c": "\\/"}'
    assert edit_json(text, [Edit.set(("a",), 1000)]) == '{"a": 1000, "b": [1, 2, 3], "c": "\\/"}'
    assert edit_json(text, [Edit.remove(("b", 1))]) == '{"a": 0, "b": [1, 3], "c": "\\/"}'
    assert edit_json(text, [Edit.remove(("a",))]) == '{"b": [1, 2, 3], "c": "\\/"}'
    assert edit_json(text, [Edit.remove(("c",))]) == '{"a": 0, "b": [1, 2, 3]}'
    with pytest.raises(FixRefused, match="duplicate key"):
        edit_json('{"a": 1, "a": 2}', [Edit.set(("b",), 1)])
