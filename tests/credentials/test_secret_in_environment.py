"""secret-in-environment reads each variable's valueFrom: a quick pass over variables that
read no Secret must report what reading every one does."""

from __future__ import annotations

from typing import Any

from podwarden.engine import Engine, Selection

RULE = "credentials/secret-in-environment"


def _findings(env: list[dict[str, Any]]) -> list[tuple[str, int]]:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "x", "env": env}]}}
    result = Engine(Selection(only=frozenset({RULE}))).evaluate_object(pod)
    return [(f.rule_id, f.line) for f in result.findings] + [("error", 0) for _ in result.errors]


def test_only_variables_that_read_a_secret_are_reported() -> None:
    env = [
        {"name": "PLAIN", "value": "x"},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "level"}}},
        {"name": "UNSET", "valueFrom": {"secretKeyRef": None}},
        {"name": "NULL", "valueFrom": None},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
    ]
    assert [rule for rule, _ in _findings(env)] == [RULE]


def test_a_value_from_that_is_no_mapping_is_still_an_error() -> None:
    assert _findings([{"name": "BAD", "valueFrom": "secret"}]) == [("error", 0)]
