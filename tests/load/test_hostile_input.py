"""Hostile input (issue 13): nothing leaks through an error, nothing hangs, memory stays
bounded, and one bad file never stops the others from being checked."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Engine, Selection
from podwarden.load import sources
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Source

PODWARDEN = [sys.executable, "-c", "from podwarden.cli import run; run()"]
TOKEN = "ghp_" + "Zx9Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9Xc2V"
GOOD = """\
apiVersion: v1
kind: Pod
metadata: {name: fine}
spec:
  containers:
    - name: app
      image: nginx
      securityContext:
        privileged: true
"""


def check(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--only", "pss", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def pieces(secret: str, size: int = 12) -> list[str]:
    return [secret[i:i + size] for i in range(len(secret) - size + 1)]


def assert_not_shown(secret: str, *outputs: str) -> None:
    for text in outputs:
        leaked = [i for i, p in enumerate(pieces(secret)) if p in text]
        assert not leaked, f"a 12-character piece at offset {leaked[0]} of the planted value is shown"


@pytest.mark.parametrize("tag", ["!!int", "!!float", "!!bool", "!!null"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_a_value_under_a_tag_it_cannot_have_is_never_quoted(tmp_path: Path, tag: str, fmt: str) -> None:
    bad = tmp_path / "tagged.yaml"
    bad.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata:\n  a: {tag} {TOKEN}\n")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    code, out, err = check("-o", fmt, str(bad), str(good))
    assert code == 2
    assert_not_shown(TOKEN, out, err)
    if fmt == "text":
        assert f"error: {bad}:5: a value read as {tag} that is not a valid {tag[2:]}" in err
    assert "pss/privileged" in out  # the other file was checked


def test_pss_and_fix_do_not_quote_tagged_values(tmp_path: Path) -> None:
    bad = tmp_path / "tagged.yaml"
    bad.write_text(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: x}}\nspec:\n  hostname: !!int {TOKEN}\n")
    for args in (["pss", str(bad)], ["pss", "-o", "json", str(bad)], ["fix", str(bad)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert_not_shown(TOKEN, result.stdout, result.stderr)


def test_a_duplicate_key_is_not_quoted(tmp_path: Path) -> None:
    bad = tmp_path / "dup.yaml"
    bad.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata:\n  {TOKEN}: a\n  {TOKEN}: b\n")
    code, out, err = check("-o", "json", str(bad))
    assert code == 2
    assert_not_shown(TOKEN, out, err)
    assert json.loads(out)["errors"] == [
        {"file": str(bad), "line": 6, "message": "duplicate key at column 3 (first at line 5, column 3)"}]


def test_parser_messages_leave_quoted_input_out() -> None:
    assert yamlload.without_quotes("found undefined tag handle '!ghp_abc!'") == \
        "found undefined tag handle (text not shown)"
    # PyYAML's token names are not input
    assert yamlload.without_quotes("expected <block end>, but found '<scalar>'") == \
        "expected <block end>, but found '<scalar>'"
    with pytest.raises(yamlload.InputError) as caught:
        yamlload.parse(f"a: !{TOKEN[:6]}!x b\n", "t.yaml")
    assert TOKEN[:6] not in str(caught.value)


def test_a_json_number_past_the_digit_limit_is_one_error_and_the_run_goes_on(tmp_path: Path) -> None:
    huge = tmp_path / "a-huge.json"
    huge.write_text('{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "x"},\n'
                    ' "data": {"a": ' + "9" * 5000 + "}}\n")
    good = tmp_path / "b-good.yaml"
    good.write_text(GOOD)
    code, out, err = check("-o", "json", str(huge), str(good))
    assert code == 2 and "Traceback" not in err
    report = json.loads(out)  # complete JSON
    assert report["errors"] == [{"file": str(huge), "line": 3, "message":
                                 f"a number of more than {sys.get_int_max_str_digits()} digits: refused"}]
    assert "pss/privileged" in [f["rule"] for f in report["findings"]]
    # the same number in YAML
    huge.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: " + "9" * 5000 + "\n")
    code, out, err = check(str(huge), str(good))
    assert code == 2 and f"{huge}:5: a number of more than" in err and "pss/privileged" in out


def test_the_size_limit_counts_bytes_not_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 4000)
    wide = tmp_path / "wide.yaml"
    # 1,500 characters of 2-byte UTF-8: under the limit in characters, over it in bytes
    wide.write_text(GOOD + "# " + "é" * 2500 + "\n", encoding="utf-8")
    assert len(wide.read_text(encoding="utf-8")) < 4000 < wide.stat().st_size
    code, _, err = check(str(wide))
    assert code == 2 and f"error: {wide}: larger than 4000 bytes: refused" in err


def test_standard_input_is_read_with_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    code, _, err = check("-", stdin=GOOD.encode() + b"#" * 5000)
    assert code == 2 and "error: -: larger than 1000 bytes: refused" in err


def test_devices_fifos_and_sockets_are_skipped_in_a_walk_and_errors_when_named(tmp_path: Path) -> None:
    walk = tmp_path / "walk"
    walk.mkdir()
    (walk / "pod.yaml").write_text(GOOD)
    (walk / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(walk / "pipe.yaml")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(walk / "sock.yaml"))
    try:
        # a subprocess with a time limit: a FIFO opened for reading would wait forever
        proc = subprocess.run([*PODWARDEN, "check", "--only", "pss", str(walk)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert f"note: {walk / 'zero.yaml'}: not a regular file (a character device): skipped" in proc.stderr
        assert f"note: {walk / 'pipe.yaml'}: not a regular file (a FIFO): skipped" in proc.stderr
        assert f"note: {walk / 'sock.yaml'}: not a regular file (a socket): skipped" in proc.stderr
        assert "pss/privileged" in proc.stdout
        named = [str(walk / n) for n in ("zero.yaml", "pipe.yaml", "pod.yaml")]
        proc = subprocess.run([*PODWARDEN, "check", "--only", "pss", *named],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2
        assert f"error: {named[0]}: not a regular file (a character device): not read" in proc.stderr
        assert f"error: {named[1]}: not a regular file (a FIFO): not read" in proc.stderr
        assert "pss/privileged" in proc.stdout
    finally:
        sock.close()


def test_a_file_swapped_for_a_fifo_after_the_walk_is_not_waited_on(tmp_path: Path) -> None:
    pipe = tmp_path / "late.yaml"
    os.mkfifo(pipe)
    with pytest.raises(yamlload.InputError, match="not a regular file \\(a FIFO\\)"):
        Source(str(pipe), False).read()


def test_a_regular_file_whose_size_says_less_than_it_holds_is_read_whole(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files say size 0 and hold text: the read past the size reads on, bounded
    status = Source("/proc/self/status", True).read()
    assert status.startswith(b"Name:") and status.endswith(b"\n")
    assert len(status) > 200
    monkeypatch.setattr(sources, "MAX_BYTES", 100)
    with pytest.raises(yamlload.InputError, match="larger than 100 bytes: refused"):
        Source("/proc/self/status", True).read()
    small = tmp_path / "small.yaml"
    small.write_bytes(b"x" * 100)
    assert Source(str(small), True).read() == b"x" * 100  # exactly at the limit: read


def pods(n: int) -> str:
    return "".join(f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n"
                   f"  containers: [{{name: c, image: nginx}}]\n" for i in range(n))


def test_a_file_of_many_documents_is_reported_in_parts_with_the_same_findings(tmp_path: Path) -> None:
    many = tmp_path / "many.yaml"
    many.write_text(pods(2500))
    engine = Engine(Selection(only=frozenset({"pss"})))
    parts = list(engine.iter_scan(Source(str(many), True), chunk_objects=1000))
    assert [p.continued for p in parts] == [False, True, True]
    assert [len(p.objects) for p in parts] == [1000, 1000, 500]
    whole = engine.scan_file(Source(str(many), True))
    assert [f.as_dict() for p in parts for f in p.findings] == [f.as_dict() for f in whole.findings]
    # reporters count the file once
    code, out, err = check(str(many))
    assert code == 1 and out.count(f"  {many}:") == 2500
    assert "in 2500 objects, 1 file;" in out.splitlines()[-1]


def test_a_syntax_error_late_in_a_large_file_keeps_the_parts_already_reported(tmp_path: Path) -> None:
    engine = Engine(Selection(only=frozenset({"pss"})))
    bad = tmp_path / "late-error.yaml"
    bad.write_text(pods(1500) + "---\nkind: [\n")
    parts = list(engine.iter_scan(Source(str(bad), True), chunk_objects=1000))
    assert len(parts[0].objects) == 1000 and not parts[0].errors
    assert parts[-1].continued and len(parts[-1].errors) == 1 and len(parts[-1].objects) == 500
    # a small file with an error gives the error alone, as before
    bad.write_text(pods(3) + "---\nkind: [\n")
    (only,) = engine.iter_scan(Source(str(bad), True), chunk_objects=1000)
    assert not only.objects and len(only.errors) == 1


def large_list(n: int, as_json: bool) -> str:
    items = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "ns"},
              "spec": {"containers": [{"name": "c", "image": "nginx",
                                       "securityContext": {"privileged": i % 2 == 0}}]}} for i in range(n)]
    if as_json:
        return json.dumps({"apiVersion": "v1", "items": items, "kind": "List"}, indent=2)
    import yaml

    return yaml.safe_dump({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}},
                          sort_keys=False)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_large_list_is_read_item_by_item_with_the_same_results(monkeypatch: pytest.MonkeyPatch,
                                                                 as_json: bool) -> None:
    text = large_list(300, as_json)
    monkeypatch.setattr(yamlload.large_list, "LARGE_LIST_BYTES", 10**9)
    whole = yamlload.parse(text, "l.yaml")
    monkeypatch.setattr(yamlload.large_list, "LARGE_LIST_BYTES", 1000)
    items = yamlload.parse(text, "l.yaml")
    assert len(whole) == 1 and len(items) == 300
    expected = list(yamlload.iter_objects(whole[0]))
    got = [obj for doc in items for obj in yamlload.iter_objects(doc)]
    assert got == expected
    for (prefix, _), doc in zip(expected, items, strict=True):
        path = (*prefix, "spec", "containers", 0, "securityContext", "privileged")
        assert doc.locate(path) == whole[0].locate(path)


def test_a_large_list_keeps_the_duplicate_key_and_syntax_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlload.large_list, "LARGE_LIST_BYTES", 100)
    text = large_list(5, False)
    with pytest.raises(yamlload.InputError, match="duplicate key at column 1"):
        yamlload.parse(text + "kind: List\n", "l.yaml")
    with pytest.raises(yamlload.InputError, match=r"^l.yaml:\d+: invalid YAML"):
        yamlload.parse(text.replace("name: p3", "name: [p3"), "l.yaml")
    # not a List: read whole, as before
    not_list = text.replace("kind: List", "kind: Thing")
    (doc,) = yamlload.parse(not_list, "l.yaml")
    assert doc.data["kind"] == "Thing" and not doc.prefix


def test_a_reader_error_is_one_line() -> None:
    text = "a: 1\n".encode("utf-16-le").decode("utf-8")  # UTF-16 without a byte-order mark
    with pytest.raises(yamlload.InputError) as caught:
        yamlload.parse(text, "u.yaml")
    assert "\n" not in str(caught.value) and "<unicode string>" not in str(caught.value)
    assert str(caught.value).startswith("u.yaml:1: invalid YAML: unacceptable character")


@pytest.mark.parametrize("field, value, words", [
    ("ports", "[{containerPort: 80x}]", "containers[0].ports[0].containerPort: expected an integer, got a string"),
    ("env", "[{name: A, value: true}]", "containers[0].env[0].value: expected a string, got a boolean"),
    ("securityContext", "{capabilities: ALL}", "containers[0].securityContext.capabilities: expected a mapping, got a string"),
    ("securityContext", "{runAsUser: '1000'}", "containers[0].securityContext.runAsUser: expected an integer, got a string"),
])
def test_a_field_of_the_wrong_type_is_an_error_whatever_rules_run(field: str, value: str, words: str) -> None:
    text = f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: x\n    {field}: {value}\n"
    # no selected rule reads the field: the object is refused all the same, with its line
    for only in ("pss/privileged", "credentials"):
        result = Engine(Selection(only=frozenset({only}))).scan_docs(yamlload.parse(text, "p.yaml"), "p.yaml", True)
        assert [str(e) for e in result.errors] == [f"p.yaml:8: Pod/p: spec.{words}"]


def test_symlinked_directories_are_followed_once_and_loops_said(tmp_path: Path) -> None:
    real = tmp_path / "tree" / "real"
    real.mkdir(parents=True)
    (real / "pod.yaml").write_text(GOOD)
    (tmp_path / "tree" / "alias").symlink_to(real)  # a second path to the same directory
    (real / "up").symlink_to(tmp_path / "tree")  # a loop
    proc = subprocess.run([*PODWARDEN, "check", "--only", "pss", "-o", "json", str(tmp_path / "tree")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["objects"] == 1  # the one real file, read once
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("note:")]
    assert any("already read as" in n and "symlink loop" in n for n in notes), notes
    # a symlink to a directory named on the command line is walked
    link = tmp_path / "named"
    link.symlink_to(real)
    code, out, _ = check(str(link))
    assert code == 1 and "pss/privileged" in out


def test_a_credential_used_as_a_name_is_hidden_in_every_message(tmp_path: Path) -> None:
    """A token the credentials family finds (here in env) and also pasted where names go:
    other rules' messages (containers, hostPath, capabilities, the blast radius) show its
    fingerprint, never the value."""
    bad = tmp_path / "names.yaml"
    bad.write_text(f"""apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  serviceAccountName: {TOKEN}
  containers:
    - name: {TOKEN}
      image: nginx
      securityContext:
        privileged: true
        capabilities: {{add: ["{TOKEN}"]}}
      volumeMounts: [{{name: data, mountPath: /data}}]
      env: [{{name: GITHUB_TOKEN, value: {TOKEN}}}]
  volumes:
    - name: data
      hostPath: {{path: /{TOKEN}}}
""")
    for fmt in ("text", "json", "sarif", "junit", "html"):
        code, out, err = check("--only", "pss,hardening,credentials", "--blast-radius", "-o", fmt, str(bad))
        assert code == 1, fmt
        assert_not_shown(TOKEN, out, err)
    code, out, _ = check("--only", "pss,hardening,credentials", "-o", "json", str(bad))
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert any("ghp_...(41)#" in m and "privileged" in m for m in messages)  # named by fingerprint


def test_one_error_per_field_and_integers_within_the_api_range(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n"
            "    securityContext: {runAsUser: abc}\n")
    result = Engine(Selection()).scan_docs(yamlload.parse(text, "p.yaml"), "p.yaml", True)
    assert len(result.errors) == 1  # the up-front check and a rule met the same field: one error
    for field, value in (("runAsUser", str(2 ** 63)), ("runAsUser", "1" + "0" * 50)):
        text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
                f"    image: x\n    securityContext: {{{field}: {value}}}\n")
        result = Engine(Selection(only=frozenset({"pss/privileged"}))).scan_docs(
            yamlload.parse(text, "p.yaml"), "p.yaml", True)
        assert [e.message for e in result.errors] == [
            f"Pod/p: spec.containers[0].securityContext.{field}: expected a 64-bit integer, got a larger number"]
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n"
            "    ports: [{containerPort: 70000000000}]\n")
    result = Engine(Selection(only=frozenset({"pss/privileged"}))).scan_docs(yamlload.parse(text, "p.yaml"), "p.yaml", True)
    assert "expected a 32-bit integer" in result.errors[0].message


def test_a_parser_message_keeps_its_token_names() -> None:
    assert yamlload.without_quotes("did not find expected ',' or ']'") == "did not find expected ',' or ']'"


def test_a_broken_symlink_met_in_a_walk_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, out, err = check(str(tmp_path))
    assert code == 1 and f"note: {tmp_path / 'gone.yaml'}: a broken symbolic link: skipped" in err


def test_a_read_cut_short_reads_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a network file system may give less than asked before the end: nothing is lost
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}\n")
    pod = tmp_path / "pod.yaml"
    pod.write_text(text)
    real_read = os.read
    monkeypatch.setattr(sources.os, "read", lambda fd, n: real_read(fd, min(n, 40)))
    assert Source(str(pod), True).read() == text.encode()
