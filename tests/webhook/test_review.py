"""Every field of an AdmissionReview that podwarden reads has its type checked: a wrong type is
a 400 naming the field's path and the type expected, never quoting the value sent."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from podwarden.webhook import review
from tests.webhook.conftest import Running, admission, pod

#: in every wrong value: must never appear in a message
MARK = "SECRET-VALUE-7f3a"

WRONG: list[tuple[tuple[str, ...], Any, str]] = [
    (("uid",), [MARK], "request.uid must be a non-empty string"),
    (("kind",), MARK, "request.kind must be an object"),
    (("kind", "kind"), [MARK], "request.kind.kind must be a string"),
    (("kind", "group"), {MARK: 1}, "request.kind.group must be a string"),
    (("resource", "resource"), [MARK], "request.resource.resource must be a string"),
    (("requestKind",), MARK, "request.requestKind must be an object"),
    (("requestKind", "version"), [MARK], "request.requestKind.version must be a string"),
    (("requestResource", "group"), [MARK], "request.requestResource.group must be a string"),
    (("operation",), [MARK], "request.operation must be one of"),
    (("operation",), MARK, "request.operation must be one of"),
    (("name",), [MARK], "request.name must be a string"),
    (("namespace",), {MARK: MARK}, "request.namespace must be a string"),
    (("namespace",), None, "request.namespace must be a string"),
    (("subResource",), [MARK], "request.subResource must be a string"),
    (("requestSubResource",), [MARK], "request.requestSubResource must be a string"),
    (("dryRun",), MARK, "request.dryRun must be a boolean"),
    (("userInfo",), [MARK], "request.userInfo must be an object"),
    (("userInfo", "username"), [MARK], "request.userInfo.username must be a string"),
    (("userInfo", "username"), {"name": MARK}, "request.userInfo.username must be a string"),
    (("userInfo", "uid"), [MARK], "request.userInfo.uid must be a string"),
    (("userInfo", "groups"), MARK, "request.userInfo.groups must be a list of strings"),
    (("userInfo", "groups"), [MARK, 7], "request.userInfo.groups must be a list of strings"),
    (("userInfo", "extra"), [MARK], "request.userInfo.extra must be an object whose values are lists of strings"),
    (("userInfo", "extra"), {"scopes": MARK}, "request.userInfo.extra must be an object whose values are lists"),
    (("object",), [MARK], "request.object must be an object or null"),
    (("oldObject",), MARK, "request.oldObject must be an object or null"),
    (("options",), [MARK], "request.options must be an object or null"),
]


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = admission(pod())
    node = data["request"]
    node["requestResource"] = dict(node["resource"])
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = copy.deepcopy(value)
    return data


@pytest.mark.parametrize(("path", "value", "words"), WRONG, ids=[f"{'.'.join(p)}-{n}" for n, (p, _, _) in enumerate(WRONG)])
def test_a_wrongly_typed_field_is_refused_by_its_path(path: tuple[str, ...], value: Any, words: str) -> None:
    with pytest.raises(review.BadRequest) as caught:
        review.parse(json.dumps(_with(path, value)).encode())
    assert words in str(caught.value) and MARK not in str(caught.value)


def test_documented_shapes_are_accepted() -> None:
    data = admission(pod(), userInfo={"username": "alice", "uid": "42", "groups": ["a"],
                                      "extra": {"scopes": ["x", "y"]}},
                     requestSubResource="", options=None)
    assert review.parse(json.dumps(data).encode())["request"]["userInfo"]["username"] == "alice"
    delete = admission(pod(), operation="DELETE", object=None, oldObject=pod())
    assert review.parse(json.dumps(delete).encode())["request"]["operation"] == "DELETE"


def test_apiversion_mismatch_does_not_quote_what_was_sent() -> None:
    data = admission(pod())
    data["apiVersion"] = MARK
    with pytest.raises(review.BadRequest) as caught:
        review.parse(json.dumps(data).encode())
    assert "expected apiVersion admission.k8s.io/v1" in str(caught.value) and MARK not in str(caught.value)


@pytest.mark.parametrize("path", [("userInfo", "username"), ("userInfo", "groups"), ("operation",), ("namespace",)])
@pytest.mark.parametrize("endpoint", ["/validate", "/mutate"])
def test_a_list_where_a_string_belongs_is_400_not_a_failure_mode_deny(
    webhook: Running, path: tuple[str, ...], endpoint: str,
) -> None:
    # userInfo.username as a list used to reach the exemption check: a 500 inside a
    # fail-closed deny; operation as a list, an HTTP 500
    value: Any = {"groups": 5}.get(path[-1], [MARK])
    response = webhook.client.post(endpoint, json=_with(path, value))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert f"request.{'.'.join(path)} must be" in error and MARK not in error
    metrics = webhook.client.get("/metrics").text
    assert 'podwarden_admission_errors_total{endpoint="' + endpoint[1:] + '",type="internal"}' not in metrics
