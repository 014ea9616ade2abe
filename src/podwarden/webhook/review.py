"""admission.k8s.io/v1 AdmissionReview: wire types, request validation, response builders.

Two kinds of trouble stay apart (as kopf keeps them): a *request* that is not a valid
AdmissionReview raises ``BadRequest`` and becomes HTTP 400; an *object* that breaks the
policy is a normal 200 answer with ``allowed: false``.  Builders here are pure.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict

from podwarden.load.yaml import MAX_DEPTH

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
OPERATIONS = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})


class GroupVersionKind(TypedDict):
    group: str
    version: str
    kind: str


class GroupVersionResource(TypedDict):
    group: str
    version: str
    resource: str


class UserInfo(TypedDict, total=False):
    username: str
    uid: str
    groups: list[str]
    extra: dict[str, list[str]]


class AdmissionRequest(TypedDict):
    uid: str
    kind: GroupVersionKind
    resource: GroupVersionResource
    operation: str
    userInfo: UserInfo
    subResource: NotRequired[str]
    requestKind: NotRequired[GroupVersionKind]
    name: NotRequired[str]
    namespace: NotRequired[str]
    object: NotRequired[dict[str, Any] | None]
    oldObject: NotRequired[dict[str, Any] | None]
    dryRun: NotRequired[bool]
    options: NotRequired[dict[str, Any] | None]


class Status(TypedDict, total=False):
    code: int
    message: str
    reason: str
    status: str


class AdmissionResponse(TypedDict):
    uid: str
    allowed: bool
    status: NotRequired[Status]
    patch: NotRequired[str]
    patchType: NotRequired[str]
    warnings: NotRequired[list[str]]
    auditAnnotations: NotRequired[dict[str, str]]


class AdmissionReview(TypedDict):
    apiVersion: str
    kind: str
    request: NotRequired[AdmissionRequest]
    response: NotRequired[AdmissionResponse]


class BadRequest(Exception):
    """The HTTP request is not a usable AdmissionReview: answered with 400 and this text."""


def _deeper_than(data: Any, limit: int) -> bool:
    """True when JSON data nests more than ``limit`` objects and arrays deep."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse(body: bytes) -> AdmissionReview:
    """Decode and validate a request body; raises ``BadRequest`` with a clear message."""
    if not body.strip():
        raise BadRequest("empty request body: expected an admission.k8s.io/v1 AdmissionReview")
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc.msg} at offset {exc.pos}") from None
    except RecursionError:
        raise BadRequest(f"request body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # a number beyond Python's integer digit limit, say
        raise BadRequest(f"request body is not usable JSON: {exc}") from None
    # rules walk objects recursively: refuse what they could not walk (a byte count first,
    # so ordinary reviews, with fewer brackets than the limit, skip the walk)
    if body.count(b"{") + body.count(b"[") > MAX_DEPTH and _deeper_than(data, MAX_DEPTH):
        raise BadRequest(f"request body nests deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object (an AdmissionReview)")
    if data.get("apiVersion") != API_VERSION or data.get("kind") != KIND:
        raise BadRequest(f"expected apiVersion {API_VERSION} and kind {KIND}")
    request = data.get("request")
    if not isinstance(request, dict):
        raise BadRequest("AdmissionReview has no 'request' object")
    _check_request(request)
    return data  # type: ignore[return-value]


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


#: what the optional fields of a request must be when present (only objects may be null,
#: as ``object`` is for DELETE): the type's words, for messages that name the field and
#: never quote the value sent
_TYPES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "string": ("a string", lambda v: isinstance(v, str)),
    "boolean": ("a boolean", lambda v: isinstance(v, bool)),
    "object": ("an object or null", lambda v: v is None or isinstance(v, dict)),
    "user": ("an object", lambda v: isinstance(v, dict)),
    "strings": ("a list of strings", _is_strings),
    "string lists": ("an object whose values are lists of strings",
                     lambda v: isinstance(v, dict) and all(_is_strings(x) for x in v.values())),
}
_REQUEST_FIELDS = {
    "name": "string", "namespace": "string", "subResource": "string", "requestSubResource": "string",
    "dryRun": "boolean", "userInfo": "user", "object": "object", "oldObject": "object", "options": "object",
}
_USER_FIELDS = {"username": "string", "uid": "string", "groups": "strings", "extra": "string lists"}
_GVK = ("group", "version", "kind")
_GVR = ("group", "version", "resource")


def _check_request(request: dict[str, Any]) -> None:
    """Every field podwarden reads, or the API server documents, has its type: else ``BadRequest``
    naming the field's path."""
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadRequest("request.uid must be a non-empty string")
    for key, names, required in (("kind", _GVK, True), ("resource", _GVR, True),
                                 ("requestKind", _GVK, False), ("requestResource", _GVR, False)):
        value = request.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, dict):
            raise BadRequest(f"request.{key} must be an object")
        for name in names:
            if not isinstance(value.get(name), str):
                raise BadRequest(f"request.{key}.{name} must be a string")
    operation = request.get("operation")
    if not isinstance(operation, str) or operation not in OPERATIONS:
        raise BadRequest(f"request.operation must be one of {', '.join(sorted(OPERATIONS))}")
    _check_fields(request, "request", _REQUEST_FIELDS)
    user = request.get("userInfo")
    if isinstance(user, dict):
        _check_fields(user, "request.userInfo", _USER_FIELDS)
    if operation in ("CREATE", "UPDATE") and not isinstance(request.get("object"), dict):
        raise BadRequest(f"request.object is required for {operation}")


def _check_fields(data: dict[str, Any], where: str, fields: dict[str, str]) -> None:
    for key, kind in fields.items():
        words, fits = _TYPES[kind]
        if key in data and not fits(data[key]):
            raise BadRequest(f"{where}.{key} must be {words}")


# -- responses ----------------------------------------------------------------------------


def wrap(response: AdmissionResponse) -> AdmissionReview:
    """The AdmissionReview carrying ``response``."""
    return {"apiVersion": API_VERSION, "kind": KIND, "response": response}


def allow(
    uid: str,
    warnings: list[str] | None = None,
    audit: dict[str, str] | None = None,
    patch: list[dict[str, Any]] | None = None,
) -> AdmissionResponse:
    """An allowing response, with warnings, audit annotations and a JSONPatch if any."""
    response: AdmissionResponse = {"uid": uid, "allowed": True}
    if patch:
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(json.dumps(patch, separators=(",", ":")).encode()).decode()
    _extras(response, warnings, audit)
    return response


def deny(
    uid: str,
    message: str,
    code: int = 403,
    reason: str = "Forbidden",
    warnings: list[str] | None = None,
    audit: dict[str, str] | None = None,
) -> AdmissionResponse:
    """A denying response; ``message`` is what kubectl shows the user."""
    response: AdmissionResponse = {
        "uid": uid,
        "allowed": False,
        "status": {"status": "Failure", "code": code, "reason": reason, "message": message},
    }
    _extras(response, warnings, audit)
    return response


def _extras(response: AdmissionResponse, warnings: list[str] | None, audit: dict[str, str] | None) -> None:
    if warnings:
        response["warnings"] = warnings
    if audit:
        response["auditAnnotations"] = audit


def decode_patch(response: AdmissionResponse) -> list[dict[str, Any]]:
    """The JSONPatch of a response ([] when none): for tests and clients."""
    if "patch" not in response:
        return []
    ops: list[dict[str, Any]] = json.loads(base64.b64decode(response["patch"]))
    return ops
