"""``fix`` reads files as ``check`` does: the same errors, before any edit; the findings it
leaves listed with their reason; files the user may not change left alone."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from podwarden.fix import yamlfile
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit
from tests.fix.test_cli import DEPLOYMENT, run, write

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx
"""


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error: ")]


def test_a_fixer_meeting_a_bad_field_is_an_error_and_the_file_stays(tmp_path: Path) -> None:
    # the capabilities fixer reads the ports; once runAsNonRoot is set, check reads them too:
    # fixing used to write a file that check then refused
    text = POD + "    ports:\n    - containerPort: 80x\n"
    path = write(tmp_path, text, "port.yaml")
    good = write(tmp_path, DEPLOYMENT, "good.yaml")
    expected = f"error: {path}:9: Pod/p: spec.containers[0].ports[0].containerPort: expected an integer, got a string"
    for args in (("fix", "--only", "pss"), ("fix", "--write", "--only", "pss")):
        code, out, err = run(*args, str(path), str(good))
        assert code == 2
        assert errors_of(err) == [expected]
        assert f"--- {path}" not in out
        assert path.read_text() == text
    assert good.read_text() != DEPLOYMENT  # the other file is still fixed
    # what check says once a rule reads the ports: the same line
    settled = write(tmp_path, text.replace("spec:\n", "spec:\n  securityContext: {runAsNonRoot: true}\n"), "s.yaml")
    code, _, err = run("check", str(settled))
    assert code == 2 and f"{settled}:10: Pod/p: spec.containers[0].ports[0].containerPort: expected an integer" in err


def test_a_shape_error_check_reports_is_fix_s_error_before_any_edit(tmp_path: Path) -> None:
    text = POD + "    securityContext:\n      capabilities: ALL\n"
    path = write(tmp_path, text, "caps.yaml")
    code, out, err = run("check", str(path))
    assert code == 2
    line = f"{path}:9: Pod/p: spec.containers[0].securityContext.capabilities: expected a mapping, got a string"
    assert line in err
    code, out, err = run("fix", str(path))
    assert (code, out) == (2, "") and errors_of(err) == [f"error: {line}"]
    assert "left:" not in err
    code, out, err = run("fix", "--write", "--unsafe", str(path))
    assert code == 2 and errors_of(err) == [f"error: {line}"] and path.read_text() == text


def test_an_explicit_file_without_an_object_is_an_error_as_in_check(tmp_path: Path) -> None:
    path = write(tmp_path, POD + "---\nkind: Pod\nmetadata: {name: q}\n", "half.yaml")
    check_code, out, _ = run("check", "-o", "json", str(path))
    code, _, err = run("fix", "--write", str(path))
    assert check_code == code == 2
    assert [(e["line"], e["message"]) for e in json.loads(out)["errors"]] == [(9, "not a Kubernetes object: no apiVersion")]
    assert errors_of(err) == [f"error: {path}:9: not a Kubernetes object: no apiVersion"]
    assert path.read_text().startswith(POD)


def test_every_finding_left_is_listed_with_its_reason(tmp_path: Path) -> None:
    text = POD.replace("spec:\n", "spec:\n  hostPID: true\n") + "    securityContext:\n      privileged: true\n"
    path = write(tmp_path, text, "priv.yaml")
    code, out, err = run("fix", "--level", "baseline", "--only", "pss", str(path))
    assert code == 1 and out == ""  # nothing to change, but two findings stay
    lines = err.splitlines()
    assert lines == [
        "left: pss/host-namespaces: no automatic fix: change it by hand (`podwarden check` says how) (1 finding(s)):",
        f"  {path}:5: Pod/p spec.hostPID",
        "left: pss/privileged: no automatic fix: change it by hand (`podwarden check` says how) (1 finding(s)):",
        f"  {path}:10: Pod/p spec.containers[0].securityContext.privileged",
        "would fix 0 finding(s) in 0 file(s); 2 finding(s) left",
    ]
    # as check says
    code, out, _ = run("check", "--level", "baseline", "--only", "pss", "-o", "json", str(path))
    assert code == 1 and out.count('"rule": "pss/') == 2


def test_what_is_left_after_a_fix_is_what_check_then_reports(tmp_path: Path) -> None:
    path = write(tmp_path, DEPLOYMENT)
    code, out, err = run("fix", str(path))
    assert code == 1 and out
    # dry run: the lines of the file as it is (the explicit runAsNonRoot: false)
    side = "Deployment/web spec.template.spec.containers[1].securityContext"
    assert f"  {path}:17: {side}.runAsNonRoot" in err.splitlines()
    left = [line for line in err.splitlines() if line.startswith("  ")]
    code, _, err = run("fix", "--write", str(path))
    assert code == 1
    after = sorted(line.strip() for line in err.splitlines() if line.startswith("  "))
    code, out, _ = run("check", "-o", "json", str(path))
    found = sorted(f"{f['file']}:{f['line']}: {f['object']['kind']}/{f['object']['name']} {f['path']}"
                   for f in json.loads(out)["findings"])
    assert code == 1 and after == found and len(found) == len(left)
    # with every fix allowed, nothing stays but what has no fixer
    code, _, err = run("fix", "--write", "--unsafe", "--run-as-user", "10001", "--run-as-group", "10001",
                       "--fs-group", "10001", str(path))
    assert all("no automatic fix" in line for line in err.splitlines() if line.startswith("left:"))


def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    path = write(tmp_path, DEPLOYMENT, "ro.yaml")
    good = write(tmp_path, DEPLOYMENT, "good.yaml")
    os.chmod(path, 0o444)
    try:
        code, _, err = run("fix", "--write", "--only", "pss", str(path), str(good))
        assert code == 2
        assert errors_of(err) == [f"error: {path}: not writable (mode 0444): not changed"]
        assert path.read_text() == DEPLOYMENT and stat.S_IMODE(os.stat(path).st_mode) == 0o444
        assert good.read_text() != DEPLOYMENT
        assert f"fixed {good}" in err and f"fixed {path}" not in err
        # a dry run reads it
        assert run("fix", "--only", "pss", str(path))[0] == 1
    finally:
        os.chmod(path, 0o644)


@pytest.mark.parametrize(("mode", "mine", "allowed"), [
    (0o644, True, True), (0o444, True, False), (0o464, True, False), (0o664, False, True),
    (0o646, False, False),
])
def test_mode_bits_decide(mode: int, mine: bool, allowed: bool) -> None:
    from podwarden.fix import writable

    owner = os.geteuid() if mine else os.geteuid() + 1
    group = os.getegid() if not mine else os.getegid() + 12345
    assert writable.mode_allows(mode, owner, group) is allowed


def test_a_refused_edit_names_the_object_line(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx
    securityContext: &sc
      runAsUser: 1000
  - name: d
    image: nginx
    securityContext: *sc
"""
    path = write(tmp_path, text, "alias.yaml")
    code, _, err = run("fix", "--write", "--only", "pss", str(path))
    assert code == 2 and path.read_text() == text
    assert errors_of(err) == [f"error: {path}:12: not rewritten: spec.containers[0].securityContext is shared "
                              "through a YAML alias: fix it by hand"]


def test_a_result_that_does_not_parse_back_names_the_object(monkeypatch: pytest.MonkeyPatch) -> None:
    text = POD + "---\n" + POD.replace("name: p", "name: q")
    docs = yamlload.parse(text, "t.yaml")
    edits = {1: [Edit.set(("spec", "containers", 0, "securityContext", "runAsNonRoot"), True)]}
    # an editing slip that changes another field of the object: caught, and placed
    monkeypatch.setattr(yamlfile, "edit_yaml", lambda t, d, e: t.replace("name: q}", "name: r}"))
    with pytest.raises(yamlfile.FixRefused) as caught:
        yamlfile.apply_edits(text, docs, edits, "t.yaml")
    assert "would not hold exactly the intended change" in str(caught.value)
    assert caught.value.line == 9  # the object that differs: the second document's
