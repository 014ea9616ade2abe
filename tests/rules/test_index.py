"""The cross-resource index keeps only what rules read of each object, and answers as the
whole objects would: same refs, same fields for the readers, same shape errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from podwarden.model.index import KEPT, Index, kept, role_record
from podwarden.model.objects import KubeObject, ShapeError

BIG = "v" * 5000
META = {"name": "cfg", "namespace": "shop", "uid": "1234", "managedFields": [{"manager": BIG}],
        "labels": {"app": "web"}, "annotations": {"note": BIG, "azure.workload.identity/client-id": "c"}}


def _obj(kind: str, **fields: Any) -> KubeObject:
    return KubeObject({"apiVersion": "v1", "kind": kind, "metadata": copy.deepcopy(META), **fields})


def _entry(index: Index, obj: KubeObject) -> KubeObject:
    found = index.get(obj.kind, obj.ref.namespace, obj.name)
    assert found is not None
    return found.obj


@pytest.mark.parametrize("kind", ["Secret", "ConfigMap"])
def test_secret_and_config_map_keep_their_keys_not_their_values(kind: str) -> None:
    obj = _obj(kind, data={"AZURE_CLIENT_SECRET": BIG, "other": "x"}, stringData={"password": BIG},
               binaryData={"blob": BIG})
    index = Index()
    index.add(obj, "f.yaml")
    slim = _entry(index, obj)
    assert slim.ref == obj.ref
    for key in ("data", "stringData"):
        assert set(slim.root.map(key).data) == set(obj.root.map(key).data)
    assert BIG not in repr(slim.data)
    assert set(slim.data) == {"apiVersion", "kind", "metadata", "data", "stringData"}
    assert set(slim.data["metadata"]) == {"name", "namespace"}


def test_a_malformed_field_fails_the_same_way() -> None:
    obj = _obj("Secret", data=["not", "a", "mapping"], stringData="text")
    slim = kept(obj)
    for key in ("data", "stringData"):
        with pytest.raises(ShapeError) as whole:
            obj.root.map(key)
        with pytest.raises(ShapeError) as copied:
            slim.root.map(key)
        assert str(copied.value) == str(whole.value)


def test_service_account_keeps_labels_annotations_and_automount() -> None:
    obj = _obj("ServiceAccount", automountServiceAccountToken=False, secrets=[{"name": "tok"}],
               imagePullSecrets=[{"name": "pull"}])
    slim = kept(obj)
    assert slim.ref == obj.ref
    assert slim.labels == obj.labels and slim.annotations == obj.annotations
    assert slim.root.bool("automountServiceAccountToken") is False
    assert "secrets" not in slim.data and "managedFields" not in slim.data["metadata"]


def test_namespace_and_secret_provider_class_keep_what_rules_read() -> None:
    ns = KubeObject({"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "shop", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}, "annotations": {"a": BIG}}})
    assert kept(ns).labels == ns.labels and kept(ns).ref == ns.ref and BIG not in repr(kept(ns).data)
    spec = {"provider": "azure", "parameters": {"clientID": "c", "objects": BIG},
            "secretObjects": [{"secretName": "s", "type": "Opaque"}]}
    spc = KubeObject({"apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
                      "metadata": {"generateName": "spc-", "namespace": "shop"}, "spec": spec})
    assert kept(spc).data["spec"] == spec and kept(spc).ref == spc.ref


def test_every_indexed_kind_but_rbac_has_a_kept_list() -> None:
    from podwarden.model.index import INDEX_KINDS, RBAC_KINDS

    assert set(KEPT) == INDEX_KINDS - RBAC_KINDS


def test_roles_share_equal_rules_and_strings() -> None:
    def role(name: str) -> KubeObject:
        return KubeObject({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                           "metadata": {"name": name, "labels": {"app": "x"}},
                           "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]})

    index = Index()
    index.add(role("a"), "f")
    index.add(role("b"), "f")
    a, b = index.role("ClusterRole", None, "a"), index.role("ClusterRole", None, "b")
    assert a is not None and b is not None
    assert a.rules is b.rules and a.labels is b.labels
    assert a == role_record(role("a"), "f")  # interning changes nothing a reader sees
