"""Bad input: one readable FILE:LINE line, exit status 2, other files still checked,
never a traceback, a hang or unbounded memory."""

from __future__ import annotations

import codecs
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Engine, Selection
from podwarden.errors import InputError
from podwarden.load import sources
from podwarden.load import yaml as yamlload

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


def run(tmp_path: Path, name: str, content: str | bytes, *extra: str) -> tuple[int, str, str]:
    bad = tmp_path / name
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")
    good = tmp_path / "zz-good.yaml"
    good.write_text(GOOD)
    result = CliRunner().invoke(main, ["check", "--only", "pss", str(bad), str(good), *extra])
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, stdout: str, stderr: str, name: str, line: int, words: str) -> None:
    assert code == 2
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, stderr
    assert f"{name}:{line}: " in errors[0]
    assert words in errors[0]
    assert "Traceback" not in stderr
    # the good file was still checked
    assert "pss/privileged" in stdout


def test_malformed_yaml(tmp_path: Path) -> None:
    content = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n"
    code, out, err = run(tmp_path, "bad.yaml", content)
    assert_one_line_error(code, out, err, "bad.yaml", 5, "invalid YAML")


def test_malformed_json(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "bad.json", '{"apiVersion": "v1",\n "kind": "Pod",\n "metadata": {"name": }\n}')
    assert_one_line_error(code, out, err, "bad.json", 3, "invalid JSON")


def test_wrong_type(tmp_path: Path) -> None:
    content = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: \"x\"\n"
    code, out, err = run(tmp_path, "bad.yaml", content)
    assert_one_line_error(code, out, err, "bad.yaml", 5, "spec.containers: expected a list, got a string")


def test_wrong_nested_type(tmp_path: Path) -> None:
    content = GOOD.replace("privileged: true", 'privileged: "yes"')
    code, out, err = run(tmp_path, "bad.yaml", content)
    assert_one_line_error(code, out, err, "bad.yaml", 9, "securityContext.privileged: expected a boolean")


def test_document_without_kind(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "bad.yaml", GOOD + "---\napiVersion: v1\nmetadata: {name: y}\n")
    assert_one_line_error(code, out, err, "bad.yaml", 11, "no kind")


def test_unknown_kinds_are_kept_not_errors(tmp_path: Path) -> None:
    crd = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n"
    code, out, err = run(tmp_path, "crd.yaml", crd)
    assert code == 1 and "error" not in err


def test_helm_template(tmp_path: Path) -> None:
    content = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  containers: []\n"
    code, out, err = run(tmp_path, "pod.yaml", content)
    assert code == 2
    assert "pod.yaml:4: " in err and "Helm" in err


def test_helm_template_block(tmp_path: Path) -> None:
    content = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Pod\n{{- end }}\n"
    code, out, err = run(tmp_path, "pod.yaml", content)
    assert code == 2 and "Helm" in err and "Traceback" not in err


def test_non_utf8(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "latin1.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n")
    assert_one_line_error(code, out, err, "latin1.yaml", 4, "not UTF-8")


def test_utf16_with_bom_loads(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le")
    (tmp_path / "u16.yaml").write_bytes(data)
    result = CliRunner().invoke(main, ["check", "--only", "pss", str(tmp_path / "u16.yaml")])
    assert result.exit_code == 1 and "u16.yaml" in result.stdout and "pss/privileged" in result.stdout


def test_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n" + "\n".join("  " + ln for ln in lines) + "\n"
    code, out, err = run(tmp_path, "bomb.yaml", bomb)
    assert code == 2
    assert "alias" in err and "bomb.yaml:" in err and "Traceback" not in err


def test_recursive_alias(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "loop.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x, self: *m}\n")
    assert code == 2 and "Traceback" not in err


def test_deep_flow_nesting(tmp_path: Path) -> None:
    deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    code, out, err = run(tmp_path, "deep.yaml", deep)
    assert_one_line_error(code, out, err, "deep.yaml", 5, "nesting deeper than")


def test_deep_block_nesting(tmp_path: Path) -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: x}", "data:"]
    lines += [" " * (i + 1) + f"k{i}:" for i in range(400)] + [" " * 401 + "v"]
    code, out, err = run(tmp_path, "deep.yaml", "\n".join(lines) + "\n")
    assert code == 2 and "nesting deeper than" in err and "Traceback" not in err


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  regex: '" + "[" * 600 + "'\n"
    docs = yamlload.parse(text, "x.yaml")
    assert docs[0].data["data"]["regex"] == "[" * 600


def test_many_shallow_brackets_need_no_second_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # more brackets than the depth limit, never deeper than 3: the count alone clears them
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the event parser was asked")

    monkeypatch.setattr(yamlload.yaml, "parse", refuse)
    items = ", ".join(f"[{i}, {{k: [{i}]}}]" for i in range(300))
    docs = yamlload.parse("apiVersion: v1\nkind: List\nitems: []\nx: [" + items + "]\n", "x.yaml")
    assert len(docs[0].data["x"]) == 300 and docs[0].data["x"][299] == [299, {"k": [299]}]


def test_huge_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    code, out, err = run(tmp_path, "huge.yaml", GOOD + "# " + "x" * 2000 + "\n")
    assert code == 2 and "pss/privileged" in out
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == [
        f"error: {tmp_path / 'huge.yaml'}: larger than 1000 bytes: refused"]


def test_missing_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml: no such file or directory" in result.stderr


def test_non_kubernetes_yaml_in_walk_is_skipped_with_note(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicaCount: 3\nimage: {repository: nginx}\n")
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - pod.yaml\n")
    (tmp_path / "pod.yaml").write_text(GOOD)
    result = CliRunner().invoke(main, ["check", "--only", "pss", str(tmp_path)])
    assert result.exit_code == 1
    assert "note: skipped 2 file(s)" in result.stderr
    # named explicitly, the same file is an error
    result = CliRunner().invoke(main, ["check", str(tmp_path / "values.yaml")])
    assert result.exit_code == 2 and "no apiVersion or kind" in result.stderr


def test_yaml_1_2_flow_colon_loads() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  cidrs: [2001:db8::/32, 10.0.0.0/8]\n"
    docs = yamlload.parse(text, "x.yaml")
    assert docs[0].data["data"]["cidrs"] == ["2001:db8::/32", "10.0.0.0/8"]
    assert docs[0].locate(("data", "cidrs")) == (5, 10)


def test_bare_equals_value_loads() -> None:
    docs = yamlload.parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  op: =\n", "x.yaml")
    assert docs[0].data["data"]["op"] == "="


def test_merge_keys_and_scalars() -> None:
    text = "base: &b {a: 1, b: yes}\nderived:\n  <<: *b\n  b: 0x10\n  c: 1_000\n  d: ~\n  e: 2.5\n"
    data = yamlload.parse(text, "x.yaml")[0].data
    assert data["base"] == {"a": 1, "b": True}
    assert data["derived"] == {"a": 1, "b": 16, "c": 1000, "d": None, "e": 2.5}
    # YAML 1.1 octal, as Kubernetes reads `defaultMode: 0400`, on both construction paths
    assert yamlload.parse("mode: 0400\nz: 0\n", "x.yaml")[0].data == {"mode": 256, "z": 0}
    assert yamlload.parse("a: &x 0644\nb: *x\n", "x.yaml")[0].data == {"a": 420, "b": 420}


def test_lines_and_columns_located_lazily() -> None:
    docs = yamlload.parse(GOOD + "---\n" + GOOD, "x.yaml")
    path = ("spec", "containers", 0, "securityContext", "privileged")
    assert docs[0].locate(path) == (9, 21)
    assert docs[1].locate(path) == (19, 21)
    # an absent field points at its nearest present parent
    assert docs[0].locate(("spec", "containers", 0, "securityContext", "runAsNonRoot")) == (9, 9)


def test_list_items_are_objects(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "  - " + GOOD.replace("\n", "\n    ").rstrip() + "\n" for _ in range(2)
    )
    f = tmp_path / "list.yaml"
    f.write_text(text)
    result = Engine(Selection(only=frozenset({"pss/privileged"}))).run([str(f)])
    assert [x.path for x in result.findings] == ["spec.containers[0].securityContext.privileged"] * 2
    assert [x.line for x in result.findings] == [12, 21]


def test_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--only", "pss", "-"], input=GOOD)
    assert result.exit_code == 1 and "Pod/fine  -:1  critical" in result.stdout and "pss/privileged" in result.stdout


def test_helm_chart_templates_in_walk_are_skipped(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 2\n")
    (chart / "templates" / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    (tmp_path / "pod.yaml").write_text(GOOD)
    result = CliRunner().invoke(main, ["check", "--only", "pss", "-o", "json", str(tmp_path)])
    import json

    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["errors"] == []
    assert str(chart / "templates" / "deploy.yaml") in doc["skipped"]
    assert "helm template" in result.stderr


def test_locate_does_not_confuse_a_missing_parent_with_a_sibling() -> None:
    text = "spec:\n  securityContext: {}\n  image: x\n"
    doc = yamlload.parse(text, "x.yaml")[0]
    # spec.containers is absent: the nearest present parent is the spec mapping (2:3),
    # never spec.image (3:3), which happens to share the last key
    assert doc.locate(("spec", "containers", "image")) == (2, 3)
    assert doc.locate(("spec", "image")) == (3, 10)
    assert doc.locate(("spec", "securityContext", "runAsUser")) == (2, 20)


def test_duplicate_keys_are_refused_as_kubernetes_does(tmp_path: Path) -> None:
    content = GOOD.replace("privileged: true", "privileged: true\n        privileged: false")
    code, out, err = run(tmp_path, "dup.yaml", content)
    assert_one_line_error(code, out, err, "dup.yaml", 10, "duplicate key at column 9 (first at line 9, column 9)")
    assert "privileged" not in err  # the key is not quoted: a key can be a credential
    # two files concatenated without '---' hide the first object: refused too
    code, out, err = run(tmp_path, "cat.yaml", GOOD + GOOD)
    assert code == 2 and "cat.yaml:10: duplicate key at column 1 (first at line 1, column 1)" in err


def test_plain_y_and_n_are_booleans_as_kubernetes_reads_them() -> None:
    data = yamlload.parse("a: y\nb: N\nc: 'y'\nd: yes\ne: [n, Y]\n", "x.yaml")[0].data
    assert data == {"a": True, "b": False, "c": "y", "d": True, "e": [False, True]}


def test_keys_that_are_no_strings_are_kept_as_kubernetes_stores_them() -> None:
    data = yamlload.parse("on: a\n1: b\n2.5: c\nfalse: d\n", "x.yaml")[0].data
    assert data == {"true": "a", "1": "b", "2.5": "c", "false": "d"}  # 1 and on are two keys
    with pytest.raises(InputError) as caught:
        yamlload.parse("a: 1\non: a\nb: 2\ny: c\n", "x.yaml")  # on and y are both "true"
    assert caught.value.line == 4 and "first at line 2" in caught.value.message


def test_a_reused_anchor_loads_without_a_warning() -> None:
    text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: &x "1", b: &x "2"}\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = yamlload.parse(text, "cm.yaml")[0].data
    assert data["data"] == {"a": "1", "b": "2"}
    assert caught == []  # ruamel's warning quoted the anchor and named its own source file


@pytest.mark.parametrize("items", ["{a: {apiVersion: v1, kind: Pod}}", "pod", "5"])
def test_a_list_whose_items_are_no_list_is_an_error(tmp_path: Path, items: str) -> None:
    # the API refuses it; read as one object of an unknown kind, a privileged pod in it passed
    manifest = tmp_path / "list.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: List\nitems: {items}\n")
    result = CliRunner().invoke(main, ["check", str(manifest)])
    assert result.exit_code == 2
    assert "list.yaml:1: a List whose items are not a list" in result.stderr


def test_a_list_with_null_items_is_an_empty_list(tmp_path: Path) -> None:
    manifest = tmp_path / "list.yaml"
    manifest.write_text("apiVersion: v1\nkind: List\nitems: null\n---\napiVersion: v1\nkind: ConfigMap\n"
                        "metadata: {name: c}\n")
    assert CliRunner().invoke(main, ["check", str(manifest)]).exit_code == 0


@pytest.mark.parametrize(("metadata", "problem"), [
    ("{name: [a]}", "metadata.name must be a string"),
    ("{name: p, namespace: {a: b}}", "metadata.namespace must be a string"),
    ("{generateName: 5}", "metadata.generateName must be a string"),
    ("[a]", "metadata must be a mapping"),
])
def test_metadata_of_the_wrong_type_is_an_error(tmp_path: Path, metadata: str, problem: str) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: Pod\nmetadata: {metadata}\nspec:\n  containers: []\n")
    result = CliRunner().invoke(main, ["check", str(manifest)])
    assert result.exit_code == 2
    assert f"pod.yaml:1: {problem}" in result.stderr and "['a']" not in result.stdout + result.stderr
