"""Edits applied to manifest text: untouched bytes stay, styles are followed, unsafe cases refused."""

from __future__ import annotations

import json
import os
import stat

import pytest

from podwarden.engine import Selection
from podwarden.errors import InputError
from podwarden.fix import yamlfile
from podwarden.fix.apply import Fixer
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit


def apply(text: str, edits: list[Edit], doc: int = 0) -> str:
    docs = yamlload.parse(text, "t.yaml")
    return yamlfile.apply_edits(text, docs, {docs[doc].index: edits}, "t.yaml")


SC = ("spec", "securityContext")

OTHER_DOC = """\
# a config map, untouched
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, labels: {a: "1"}}   # flow style, quoted
data:
  key: 'single'
  other: "double"
  anchored: &x value
  alias: *x
  block: |
    line one
      indented
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p   # keep me
spec:
  containers:
  - name: app
    image: "nginx"   # pinned
"""


def test_other_documents_stay_byte_identical() -> None:
    text = OTHER_DOC + "---\n" + POD + "...\n---\n" + OTHER_DOC
    out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)], doc=1)
    assert out.startswith(OTHER_DOC + "---\n")
    assert out.endswith("...\n---\n" + OTHER_DOC)
    assert out.count("\n") == text.count("\n") + 2


def test_new_keys_follow_the_mapping_and_keep_comments() -> None:
    out = apply(POD, [Edit.set((*SC, "seccompProfile", "type"), "RuntimeDefault")])
    assert out == POD + "  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n"


@pytest.mark.parametrize("offset", [0, 2])
def test_sequence_indentation_of_the_file_is_followed(offset: int) -> None:
    dash = " " * (4 + offset)
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        f"{' ' * (2 + offset)}- name: app\n{' ' * (4 + offset)}image: x\n"
        f"{' ' * (4 + offset)}args:\n{dash}- a\n"
    )
    path = ("spec", "containers", 0, "securityContext", "capabilities", "drop")
    out = apply(text, [Edit.add(path, "ALL")])
    sc = " " * (4 + offset)
    want = f"{sc}securityContext:\n{sc}  capabilities:\n{sc}    drop:\n{sc}  {' ' * offset}  - ALL\n"
    assert out == text + want


def test_four_space_indentation() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n    name: p\nspec:\n    hostNetwork: false\n"
    out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)])
    assert out == text + "    securityContext:\n        runAsNonRoot: true\n"


def test_flow_collections_are_edited_in_flow_style() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {securityContext: {capabilities: {drop: [NET_RAW]}}}\n"
    out = apply(text, [
        Edit.add((*SC, "capabilities", "drop"), "ALL"),
        Edit.set((*SC, "runAsNonRoot"), True),
    ])
    assert out == ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                   "spec: {securityContext: {capabilities: {drop: [NET_RAW, ALL]}, runAsNonRoot: true}}\n")


def test_a_scalar_is_replaced_in_place() -> None:
    text = POD + "  securityContext:\n    runAsNonRoot: false   # why?\n    runAsUser: 1000\n"
    out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)])
    assert out == text.replace("runAsNonRoot: false", "runAsNonRoot: true")


@pytest.mark.parametrize("indicator", ["|", "|-", ">", ">-", "|+"])
def test_a_block_scalar_replaced_by_a_plain_value_keeps_the_lines_after_it(indicator: str) -> None:
    # what --move-secrets does to a private key in env: the next item stays on its own line
    text = (f"env:\n- name: TLS_KEY\n  value: {indicator}\n    line one\n    line two\n\n"
            "- {name: B, value: x}  # after a blank line\n")
    out = apply(text, [Edit.set(("env", 0, "value"), "/mnt/secrets/tls-key")])
    assert out == 'env:\n- name: TLS_KEY\n  value: "/mnt/secrets/tls-key"\n\n- {name: B, value: x}  # after a blank line\n'


@pytest.mark.parametrize("null", ["", " ~", " null", " # nothing yet"])
def test_a_null_mapping_is_filled_below_its_key(null: str) -> None:
    text = POD + f"  securityContext:{null}\n  restartPolicy: Always\n"
    out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)])
    comment = " # nothing yet" if "#" in null else ""
    assert out == POD + f"  securityContext:{comment}\n    runAsNonRoot: true\n  restartPolicy: Always\n"


def test_removing_list_items_and_rewriting_a_block_list() -> None:
    text = POD + "  securityContext:\n    x:\n    - a\n    - b  # gone\n    - c\n"
    out = apply(text, [Edit.remove((*SC, "x", 1))])
    assert out == POD + "  securityContext:\n    x:\n    - a\n    - c\n"
    out = apply(text, [Edit.set((*SC, "x"), ["c"])])
    assert out == POD + "  securityContext:\n    x:\n    - c\n"


def test_crlf_and_bom_are_kept() -> None:
    text = POD.replace("\n", "\r\n")
    out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)])
    assert out == text + "  securityContext:\r\n    runAsNonRoot: true\r\n"
    raw = "\ufeff".join(["", text]).encode("utf-16-be")
    assert raw.startswith(b"\xfe\xff")
    decoded, enc = yamlfile.decode(raw, "t.yaml")
    assert decoded == text and enc.encode(decoded) == raw


def test_no_change_when_the_value_is_already_there() -> None:
    text = POD + "  securityContext: {runAsNonRoot: true}\n"
    assert apply(text, [Edit.set((*SC, "runAsNonRoot"), True)]) == text


def test_json_keeps_key_order_and_indentation() -> None:
    data = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "x"}]}}
    for indent in (2, 4, "\t"):
        text = json.dumps(data, indent=indent) + "\n"
        out = apply(text, [Edit.set((*SC, "runAsNonRoot"), True)])
        want = dict(data, spec={**data["spec"], "securityContext": {"runAsNonRoot": True}})
        assert out == json.dumps(want, indent=indent) + "\n"


def test_duplicate_keys_are_refused_before_any_edit() -> None:
    text = ('{"apiVersion": "v1", "kind": "Pod", "kind": "Pod", "metadata": {"name": "p"}, '
            '"spec": {"containers": [{"name": "c"}]}}')
    with pytest.raises(InputError, match="duplicate key"):
        yamlload.parse(text, "t.yaml")


@pytest.mark.parametrize(("text", "reason"), [
    (POD.replace("  name: p   # keep me", "  name: {{ .Values.name }}-x"), "template"),
    ("base: &sc {runAsUser: 1}\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
     "spec:\n  securityContext: *sc\n  containers: [{name: c}]\n", "alias"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  <<: {hostNetwork: false}\n"
     "  containers: [{name: c}]\n", "merge key"),
])
def test_unsafe_rewrites_are_refused(text: str, reason: str) -> None:
    docs = yamlload.parse(text, "t.yaml") if "{{" not in text else [
        yamlload.Document(0, {"spec": {}}, None, 1)]
    with pytest.raises(yamlfile.FixRefused, match=reason):
        yamlfile.apply_edits(text, docs, {0: [Edit.set((*SC, "runAsNonRoot"), True)]}, "t.yaml")


def test_atomic_write_keeps_permissions(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "m.yaml")
    with open(path, "w") as handle:
        handle.write("old")
    os.chmod(path, 0o640)
    yamlfile.write_atomic(path, b"new")
    with open(path, "rb") as handle:
        assert handle.read() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert [n for n in os.listdir(tmp_path)] == ["m.yaml"]  # no temporary file left


def test_a_template_with_braces_only_in_strings_is_fixed() -> None:
    text = POD.replace('"nginx"', '"{{ image }}"')
    out = Fixer(Selection(only=frozenset({"pss/run-as-non-root"}))).fix_bytes(text.encode(), "t.yaml")
    assert not out.errors and out.fixed_text and "runAsNonRoot: true" in out.fixed_text


def test_json_with_mixed_line_ends_keeps_each_unchanged_line_as_it_was() -> None:
    from podwarden.engine import Selection
    from podwarden.fix.apply import Fixer

    text = ('{\n  "apiVersion": "v1",\r\n  "kind": "Pod",\n  "metadata": {"name": "p"},\n'
            '  "spec": {"containers": [{"name": "a", "image": "nginx"}]}\n}\n')
    ff = Fixer(Selection(only=frozenset({"pss"}))).fix_bytes(text.encode(), "pod.json")
    assert ff.fixed_text is not None
    lines = ff.fixed_text.splitlines(keepends=True)
    assert lines[:3] == ['{\n', '  "apiVersion": "v1",\r\n', '  "kind": "Pod",\n']
    assert lines[-1] == "}\n"
    # inserted lines take the file's most common line end
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in lines if line not in lines[:3])
