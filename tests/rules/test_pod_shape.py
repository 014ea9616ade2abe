"""The pod spec's type check: its fast pass agrees with the full walk on every field."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from podwarden.model import shape
from podwarden.model.objects import KubeObject, ShapeError

CONTAINER = {
    "name": "app", "image": "nginx", "command": ["nginx"], "args": ["-g", "daemon off;"],
    "ports": [{"containerPort": 8080, "hostPort": 0, "protocol": "TCP", "name": "http"}],
    "env": [{"name": "A", "value": "b"}, {"name": "C", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
    "envFrom": [{"prefix": "X_", "secretRef": {"name": "s"}, "configMapRef": {"name": "c"}}],
    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp", "readOnly": True, "subPath": "x"}],
    "securityContext": {"privileged": False, "runAsUser": 1000, "capabilities": {"add": ["NET_RAW"], "drop": ["ALL"]},
                        "seccompProfile": {"type": "RuntimeDefault"}, "seLinuxOptions": {"level": "s0"},
                        "windowsOptions": {"hostProcess": False}},
}
POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
    "spec": {
        "hostNetwork": False, "serviceAccountName": "sa", "automountServiceAccountToken": False,
        "securityContext": {"runAsUser": 1000, "fsGroup": 2000, "supplementalGroups": [1, 2],
                            "sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"}]},
        "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "h", "hostPath": {"path": "/var", "type": "Directory"}},
                    {"name": "kv", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                                           "volumeAttributes": {"secretProviderClass": "kv"}}}],
        "initContainers": [copy.deepcopy(CONTAINER)],
        "containers": [copy.deepcopy(CONTAINER), {"name": "side", "image": "busybox"}],
    },
}

#: values of every type, and numbers just outside the int32 and int64 ranges
WRONG: list[Any] = ["x", 1, True, 1.5, [], [1], ["x"], {}, {"a": 1}, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1]


class Text(str):
    """A str subclass: the fast pass leaves it to the full walk, which accepts it."""


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))


def _full_walk(obj: dict[str, Any]) -> str | None:
    try:
        pod = KubeObject(obj).pod
        assert pod is not None
        shape._check(pod.spec, shape._POD_SPEC)
    except ShapeError as exc:
        return str(exc)
    return None


def _check_pod(obj: dict[str, Any]) -> str | None:
    try:
        pod = KubeObject(obj).pod
        assert pod is not None
        shape.check_pod(pod)
    except ShapeError as exc:
        return str(exc)
    return None


def _variants() -> Iterator[dict[str, Any]]:
    yield copy.deepcopy(POD)
    for path in _leaves(POD["spec"]):
        if not path:
            continue
        for value in [*WRONG, None, Text("t")]:
            obj = copy.deepcopy(POD)
            node = obj["spec"]
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
            yield obj


def test_the_fast_pass_passes_only_what_the_full_walk_passes() -> None:
    count = 0
    for obj in _variants():
        expected = _full_walk(obj)
        if shape._fine(obj["spec"], shape._COMPILED):
            assert expected is None, obj
        assert _check_pod(obj) == expected
        count += 1
    assert count > 1000


@pytest.mark.parametrize(("path", "value", "message"), [
    (("containers", 0, "ports", 0, "containerPort"), 2**31, "expected a 32-bit integer"),
    (("containers", 0, "securityContext", "runAsUser"), True, "expected an integer, got a boolean"),
    (("securityContext", "supplementalGroups", 1), "2", "expected an integer, got a string"),
    (("initContainers", 0, "env", 1, "valueFrom"), "x", "expected a mapping, got a string"),
    (("containers", 1), "side", "expected a mapping, got a string"),
])
def test_a_wrong_field_is_named(path: tuple[Any, ...], value: Any, message: str) -> None:
    obj = copy.deepcopy(POD)
    node = obj["spec"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    found = _check_pod(obj)
    assert found is not None and message in found
    assert found.startswith("spec." + ".".join(str(p) for p in path[:1]))


def test_a_container_of_the_wrong_shape_leaves_the_pods_own_findings() -> None:
    """Rules read the pod's securityContext before its containers: a container whose name
    is a number is one input error, and the pod-level findings are still reported."""
    from podwarden.engine import Engine, Selection
    from podwarden.rules.api import Level

    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"securityContext": {"runAsGroup": 0, "seLinuxOptions": {"type": "spc_t"}},
                    "containers": [{"name": 5, "image": "nginx"}]}}
    out = Engine(Selection(level=Level.RESTRICTED)).evaluate_object(obj)
    assert [e.message for e in out.errors] == ["Pod/p: spec.containers[0].name: expected a string, got an integer"]
    said = {(f.rule_id, f.path) for f in out.findings}
    assert ("hardening/root-group", "spec.securityContext.runAsGroup") in said
    assert ("pss/selinux-options", "spec.securityContext.seLinuxOptions.type") in said


@pytest.mark.parametrize(("kind", "key"), [("ConfigMap", "data"), ("ConfigMap", "binaryData"),
                                           ("Secret", "data"), ("Secret", "stringData")])
@pytest.mark.parametrize("value", [8080, True, 1.5, ["a"], {"a": "b"}])
def test_config_data_that_is_no_string_is_refused_as_the_api_refuses_it(kind: str, key: str, value: Any) -> None:
    obj = KubeObject({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, key: {"ok": "dg==", "port": value}})
    with pytest.raises(ShapeError) as caught:
        shape.check_data(obj)
    assert caught.value.path == (key, "port")
    fine = KubeObject({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, key: {"ok": "dg==", "empty": None}})
    shape.check_data(fine)
    other = KubeObject({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, key: {"port": value}})
    shape.check_data(other)  # only the kinds whose maps the API types as strings


def test_a_custom_resource_named_like_a_config_map_is_typed_by_its_own_schema() -> None:
    shape.check_data(KubeObject({"apiVersion": "example.com/v1", "kind": "ConfigMap", "metadata": {"name": "x"},
                                 "data": {"replicas": 3}}))


@pytest.mark.parametrize(("kind", "key", "plain"), [("Secret", "data", "stringData"), ("ConfigMap", "binaryData", "data")])
def test_bytes_that_are_no_base64_are_refused_as_the_api_refuses_them(kind: str, key: str, plain: str) -> None:
    def obj(value: str) -> KubeObject:
        return KubeObject({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x"}, key: {"ok": "YWJj", "v": value}})

    for good in ("", "YWJj", "YWI=", "YW\nJj\n", "YWJ="):  # Go's decoder skips line breaks
        shape.check_data(obj(good))
    for bad in ("hunter2hunter2!", "YWI", "YW Jj", "=YWJj", "…base64…"):
        with pytest.raises(ShapeError) as caught:
            shape.check_data(obj(bad))
        assert caught.value.path == (key, "v") and plain in caught.value.message
        assert bad not in str(caught.value)
