"""The types of the pod spec fields rules read, checked up front as the API server would.

Rules read fields through typed getters, so a wrong type used to surface only when some
rule happened to read it: ``containerPort: 80x`` passed ``check`` until a fix made another
rule look at the ports.  ``check_pod`` walks every such field once, before any rule runs,
so ``check``, ``fix`` and the webhook refuse the same objects whatever rules are selected.
A spec is a mapping of field name to a type name, a nested spec (a mapping), or a
one-item list holding either (a list of those).
"""

from __future__ import annotations

from typing import Any

from podwarden.model.objects import Node, ShapeError, type_name
from podwarden.model.paths import FieldPath
from podwarden.model.podspec import CONTAINER_KINDS, PodView

_SE_LINUX = {"user": "str", "role": "str", "type": "str", "level": "str"}
_PROFILE = {"type": "str", "localhostProfile": "str"}
_WINDOWS = {"hostProcess": "bool", "runAsUserName": "str", "gmsaCredentialSpecName": "str"}

_SECURITY_CONTEXT: dict[str, Any] = {
    "privileged": "bool", "allowPrivilegeEscalation": "bool", "readOnlyRootFilesystem": "bool",
    "runAsNonRoot": "bool", "runAsUser": "int", "runAsGroup": "int", "procMount": "str",
    "capabilities": {"add": ["str"], "drop": ["str"]},
    "seccompProfile": _PROFILE, "appArmorProfile": _PROFILE, "seLinuxOptions": _SE_LINUX,
    "windowsOptions": _WINDOWS,
}
_CONTAINER: dict[str, Any] = {
    "name": "str", "image": "str", "command": ["str"], "args": ["str"], "workingDir": "str",
    "ports": [{"containerPort": "int", "hostPort": "int", "protocol": "str", "name": "str", "hostIP": "str"}],
    "env": [{"name": "str", "value": "str", "valueFrom": {}}],
    "envFrom": [{"prefix": "str", "secretRef": {"name": "str"}, "configMapRef": {"name": "str"}}],
    "volumeMounts": [{"name": "str", "mountPath": "str", "readOnly": "bool", "subPath": "str"}],
    "securityContext": _SECURITY_CONTEXT,
}
_POD_SPEC: dict[str, Any] = {
    "hostNetwork": "bool", "hostPID": "bool", "hostIPC": "bool", "hostUsers": "bool",
    "shareProcessNamespace": "bool", "automountServiceAccountToken": "bool",
    "serviceAccountName": "str", "serviceAccount": "str",
    "securityContext": {
        "runAsUser": "int", "runAsGroup": "int", "fsGroup": "int", "runAsNonRoot": "bool",
        "supplementalGroups": ["int"], "fsGroupChangePolicy": "str",
        "seccompProfile": _PROFILE, "appArmorProfile": _PROFILE, "seLinuxOptions": _SE_LINUX,
        "windowsOptions": _WINDOWS, "sysctls": [{"name": "str", "value": "str"}],
    },
    "volumes": [{"name": "str", "hostPath": {"path": "str", "type": "str"},
                 "secret": {"secretName": "str"},
                 "csi": {"driver": "str", "readOnly": "bool", "volumeAttributes": {}}}],
    **{kind: [_CONTAINER] for kind in CONTAINER_KINDS},
}

_GETTERS = {"str": Node.str, "int": Node.int, "bool": Node.bool}
#: the API's integer fields are int64 (ids) or int32 (ports): a larger number is refused
_INT_BITS = {"containerPort": 32, "hostPort": 32}


def check_pod(pod: PodView) -> None:
    """Raise ShapeError at the first field of the pod spec with a type Kubernetes refuses."""
    _check(pod.spec, _POD_SPEC)


def _check(node: Node, spec: dict[str, Any]) -> None:
    for key, kind in spec.items():
        if node.data.get(key) is None:
            continue
        if isinstance(kind, str):
            value = _GETTERS[kind](node, key)
            if kind == "int" and isinstance(value, int):
                _in_range(node, key, value, _INT_BITS.get(key, 64))
        elif isinstance(kind, dict):
            child = node.map(key)
            if kind:
                _check(child, kind)
        elif kind == ["str"]:
            node.strs(key)
        elif kind == ["int"]:
            _ints(node, key)
        else:
            for item in node.maps(key):
                _check(item, kind[0])


def _in_range(node: Node, key: str | int, value: int, bits: int, at: FieldPath | None = None) -> None:
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ShapeError(at or node.at(str(key)), f"expected a {bits}-bit integer, got a larger number")


def _ints(node: Node, key: str) -> None:
    value = node.raw(key)
    if not isinstance(value, list):
        raise ShapeError(node.at(key), f"expected a list, got {type_name(value)}")
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int):
            raise ShapeError((*node.at(key), i), f"expected an integer, got {type_name(item)}")
        _in_range(node, i, item, 64, (*node.at(key), i))
