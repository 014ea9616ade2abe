"""The types of the pod spec fields rules read, checked up front as the API server would.

Rules read fields through typed getters, so a wrong type used to surface only when some
rule happened to read it: ``containerPort: 80x`` passed ``check`` until a fix made another
rule look at the ports.  ``check_pod`` walks every such field once, before any rule runs,
so ``check``, ``fix`` and the webhook refuse the same objects whatever rules are selected.
A spec is a mapping of field name to a type name, a nested spec (a mapping), or a
one-item list holding either (a list of those).
"""

from __future__ import annotations

import binascii
from typing import Any

from podwarden.model.objects import KubeObject, Node, ShapeError, type_name
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


#: the maps of strings of the kinds that hold configuration, as the API types them
_DATA_MAPS = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}
#: the maps whose values the API decodes from base64 (bytes in its types), and where text goes
_BASE64_MAPS = {"ConfigMap": ("binaryData", "data"), "Secret": ("data", "stringData")}


def check_data(obj: KubeObject) -> None:
    """Raise ShapeError at the first value of a ConfigMap's or Secret's data that is no
    string (``data: {port: 8080}``), or of its bytes that is no base64 (a Secret's ``data``
    written in clear): the API refuses the object (core kinds only)."""
    if obj.ref.api_version != "v1":
        return  # a custom resource of the same kind name is typed by its own schema
    for key in _DATA_MAPS.get(obj.kind, ()):
        values = obj.root.str_map(key)
        encoded, plain = _BASE64_MAPS[obj.kind]
        if key == encoded:
            for name, value in values.items():
                if not _base64(value):
                    raise ShapeError((key, str(name)), f"not base64, which the API refuses here (text goes in {plain})")


def _base64(text: str) -> bool:
    """Whether Go's standard base64 decoder (padding required, line breaks skipped) reads ``text``."""
    try:
        binascii.a2b_base64(text.replace("\r", "").replace("\n", "").encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        return False
    return True


def check_pod(pod: PodView) -> None:
    """Raise ShapeError at the first field of the pod spec with a type Kubernetes refuses."""
    if not _fine(pod.spec.data, _COMPILED):
        _check(pod.spec, _POD_SPEC)  # finds the first wrong field, in spec order


# -- the fast pass: plain JSON/YAML types checked without building Nodes ------------------
#
# ``_fine`` answers True only when ``_check`` would find nothing; anything it is unsure of
# (a wrong type, a subclass of a type, a number out of range) sends the spec through
# ``_check``, which names the first wrong field as before.  A compiled spec is two maps:
# the fields whose exact type is all there is to check (most: strings, booleans, free
# mappings), and the others, each with its type, a tag of what else to check, its
# compiled sub-spec and its integer bound.
_RANGE, _NESTED, _STRS, _INTS, _MAPS = range(5)
_Compiled = tuple[dict[str, type], dict[str, tuple[Any, int, Any, int]]]  # (type, tag, sub-spec, bound)


def _compile(spec: dict[str, Any]) -> _Compiled:
    plain: dict[str, type] = {}
    other: dict[str, tuple[Any, int, Any, int]] = {}
    for key, kind in spec.items():
        if kind == "int":
            other[key] = (int, _RANGE, None, 2 ** (_INT_BITS.get(key, 64) - 1))
        elif isinstance(kind, str):
            plain[key] = {"str": str, "bool": bool}[kind]
        elif isinstance(kind, dict):
            if kind:
                other[key] = (dict, _NESTED, _compile(kind), 0)
            else:
                plain[key] = dict
        elif kind == ["str"]:
            other[key] = (list, _STRS, None, 0)
        elif kind == ["int"]:
            other[key] = (list, _INTS, None, 2 ** 63)
        else:
            other[key] = (list, _MAPS, _compile(kind[0]), 0)
    return plain, other


def _fine(data: dict[str, Any], spec: _Compiled) -> bool:
    """True when every field of ``spec`` in ``data`` has its plain type (and range)."""
    plain, other = spec
    for key, value in data.items():
        kind = plain.get(key)
        if kind is not None:
            if type(value) is not kind and value is not None:
                return False
            continue
        found = other.get(key)
        if found is None or value is None:
            continue
        kind, tag, sub, bound = found
        if type(value) is not kind:
            return False
        if tag == _MAPS:
            for item in value:
                if type(item) is not dict or not _fine(item, sub):
                    return False
        elif tag == _NESTED:
            if not _fine(value, sub):
                return False
        elif tag == _RANGE:
            if not -bound <= value < bound:
                return False
        elif tag == _STRS:
            for item in value:
                if type(item) is not str:
                    return False
        else:
            for item in value:
                if type(item) is not int or not -bound <= item < bound:
                    return False
    return True


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


_COMPILED = _compile(_POD_SPEC)
