"""Edits to RFC 6902 JSONPatch: minimal, valid, idempotent."""

from __future__ import annotations

import pytest

from podwarden.fix.jsonpatch import PatchError, apply_patch, edits_to_patch, pointer
from podwarden.model.edits import Edit

POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"a/b": "x"}},
    "spec": {"containers": [{"name": "app", "image": "i", "securityContext": {"privileged": True}},
                            {"name": "side", "image": "j"}]},
}


def test_pointer_escapes_tilde_and_slash() -> None:
    assert pointer(("metadata", "annotations", "a/b~c", 0)) == "/metadata/annotations/a~1b~0c/0"


def test_set_under_missing_parents_is_one_nested_add() -> None:
    path = ("spec", "containers", 1, "securityContext", "seccompProfile", "type")
    ops = edits_to_patch(POD, [Edit.set(path, "RuntimeDefault")])
    assert ops == [{"op": "add", "path": "/spec/containers/1/securityContext",
                    "value": {"seccompProfile": {"type": "RuntimeDefault"}}}]


def test_later_edits_inside_a_created_value_fold_into_it() -> None:
    sc = ("spec", "containers", 1, "securityContext")
    ops = edits_to_patch(POD, [
        Edit.set((*sc, "allowPrivilegeEscalation"), False),
        Edit.add((*sc, "capabilities", "drop"), "ALL"),
        Edit.set((*sc, "runAsNonRoot"), True),
    ])
    assert ops == [{"op": "add", "path": "/spec/containers/1/securityContext", "value": {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}}]


def test_replace_existing_value_and_skip_unchanged() -> None:
    sc = ("spec", "containers", 0, "securityContext")
    ops = edits_to_patch(POD, [Edit.set((*sc, "privileged"), False), Edit.set(("metadata", "name"), "p")])
    assert ops == [{"op": "replace", "path": "/spec/containers/0/securityContext/privileged", "value": False}]


def test_add_to_existing_list_appends_once() -> None:
    doc = {"spec": {"volumes": [{"name": "a"}]}}
    ops = edits_to_patch(doc, [Edit.add(("spec", "volumes"), {"name": "b"}),
                               Edit.add(("spec", "volumes"), {"name": "a"})])
    assert ops == [{"op": "add", "path": "/spec/volumes/-", "value": {"name": "b"}}]


def test_remove_present_and_absent() -> None:
    ops = edits_to_patch(POD, [
        Edit.remove(("spec", "containers", 0, "securityContext", "privileged")),
        Edit.remove(("spec", "containers", 1, "securityContext", "privileged")),
        Edit.remove(("spec", "hostNetwork")),
    ])
    assert ops == [{"op": "remove", "path": "/spec/containers/0/securityContext/privileged"}]


def test_null_parent_is_replaced() -> None:
    doc = {"spec": {"securityContext": None}}
    ops = edits_to_patch(doc, [Edit.set(("spec", "securityContext", "runAsNonRoot"), True)])
    assert ops == [{"op": "replace", "path": "/spec/securityContext", "value": {"runAsNonRoot": True}}]


def test_patch_applies_and_is_idempotent() -> None:
    edits = [
        Edit.set(("spec", "containers", 1, "securityContext", "runAsNonRoot"), True),
        Edit.set(("spec", "containers", 0, "securityContext", "privileged"), False),
        Edit.add(("spec", "containers", 0, "securityContext", "capabilities", "drop"), "ALL"),
        Edit.set(("metadata", "annotations", "a/b"), "y"),
    ]
    ops = edits_to_patch(POD, edits)
    patched = apply_patch(POD, ops)
    assert patched["spec"]["containers"][1]["securityContext"] == {"runAsNonRoot": True}
    assert patched["spec"]["containers"][0]["securityContext"] == {
        "privileged": False, "capabilities": {"drop": ["ALL"]}}
    assert patched["metadata"]["annotations"]["a/b"] == "y"
    assert edits_to_patch(patched, edits) == []
    assert POD["spec"]["containers"][0]["securityContext"] == {"privileged": True}  # input untouched


def test_impossible_edits_raise() -> None:
    with pytest.raises(PatchError):
        edits_to_patch(POD, [Edit.set(("spec", "containers", 5, "name"), "x")])
    with pytest.raises(PatchError):
        edits_to_patch(POD, [Edit.set(("spec", "initContainers", 0, "name"), "x")])
    with pytest.raises(PatchError):
        edits_to_patch(POD, [Edit.set(("metadata", "name", "x"), "y")])


def test_apply_patch_rfc_cases() -> None:
    doc = {"a": [1, 2], "b": {"c": 1}}
    assert apply_patch(doc, [{"op": "add", "path": "/a/1", "value": 9}])["a"] == [1, 9, 2]
    assert apply_patch(doc, [{"op": "test", "path": "/b/c", "value": 1},
                             {"op": "remove", "path": "/b/c"}])["b"] == {}
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "test", "path": "/b/c", "value": 2}])
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "replace", "path": "/b/x", "value": 2}])
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "add", "path": "/a/01", "value": 2}])
