"""The shared scan: where values are looked for, how they are named, and that the whole
family walks an object once."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from podwarden.engine import Engine, Selection
from podwarden.model.objects import PER_OBJECT_METADATA, KubeObject, without_per_object_metadata
from podwarden.model.paths import render
from podwarden.rules.api import Severity
from podwarden.rules.credentials import _scan
from podwarden.rules.credentials._names import is_secret_name, looks_random

PW = "Vq8#nR2!tLz5xK"


def _rules(data: dict[str, Any]) -> dict[str, list[str]]:
    return {rule: [render(v.path) for v in vs] for rule, vs in _scan.scan(KubeObject(data)).items()}


def _pod(container: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **meta},
            "spec": {"containers": [{"name": "c", "image": "x", **container}]}}


def test_flag_names_the_next_args_item_but_not_after_a_value() -> None:
    assert _rules(_pod({"args": ["--db-password", PW]})) == {
        "credentials/generic-secret": ["spec.containers[0].args[1]"]}
    assert _rules(_pod({"args": ["--password-file=/x", PW]})) == {}


def test_name_value_pairs_of_any_kind_name_their_value() -> None:
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
           "spec": {"source": {"helm": {"parameters": [{"name": "postgresql.auth.password", "value": PW}]}}}}
    assert _rules(app) == {"credentials/generic-secret": ["spec.source.helm.parameters[0].value"]}


def test_last_applied_configuration_is_read_as_json() -> None:
    previous = json.dumps(_pod({"env": [{"name": "API_TOKEN", "value": PW}]}))
    found = _rules(_pod({}, annotations={"kubectl.kubernetes.io/last-applied-configuration": previous}))
    assert found == {"credentials/generic-secret":
                     ["metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']"]}


def test_base64_of_text_is_judged_decoded() -> None:
    encoded = base64.b64encode(b"password").decode()  # not random: a default, however encoded
    assert _rules({"apiVersion": "v1", "kind": "ConfigMap", "data": {"pwd": encoded}}) == {
        "credentials/hard-coded-password": ["data.pwd"]}
    encoded = base64.b64encode(PW.encode()).decode()
    assert _rules({"apiVersion": "v1", "kind": "ConfigMap", "data": {"pwd": encoded}}) == {
        "credentials/generic-secret": ["data.pwd"]}


def test_specific_rule_wins_over_generic_and_every_place_is_reported() -> None:
    key = "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo=="
    env = [{"name": "AZURE_STORAGE_KEY", "value": key}, {"name": "STORAGE_ACCOUNT_KEY", "value": key}]
    found = _scan.scan(KubeObject(_pod({"env": env})))
    assert {rule: [render(v.path) for v in vs] for rule, vs in found.items()} == {
        "credentials/azure-storage-account-key": ["spec.containers[0].env[0].value",
                                                  "spec.containers[0].env[1].value"]}
    assert len({v.secret for v in found["credentials/azure-storage-account-key"]}) == 1


def test_secret_values_are_left_to_committed_secret_and_format_rules() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "data": {"password": base64.b64encode(PW.encode()).decode()}}
    assert _rules(secret) == {}
    result = Engine(Selection(only=frozenset({"credentials"}))).evaluate_object(secret)
    assert [f.rule_id for f in result.findings] == ["credentials/committed-secret"]


def test_descriptions_are_prose_not_configuration() -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "spec": {"description": f"set token: {PW} in the field\nor password={PW}"}}
    assert _rules(crd) == {}


def test_the_family_walks_each_object_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _scan.Scanner.scan

    def counting(self: _scan.Scanner, obj: KubeObject) -> dict[str, list[Any]]:
        calls.append(obj.name)
        return real(self, obj)

    monkeypatch.setattr(_scan.Scanner, "scan", counting)
    Engine(Selection(only=frozenset({"credentials"}))).evaluate_object(_pod({"env": [{"name": "DB_PASSWORD", "value": PW}]}))
    assert calls == ["p"]


@pytest.mark.parametrize("name,secret", [
    ("DB_PASSWORD", True), ("clientSecret", True), ("x-api-key", True), ("ConnectionStrings__Db", True),
    ("AZURE_CLIENT_SECRET", True), ("private_key", True),
    ("DB_PASSWORD_FILE", False), ("secretName", False), ("TOKEN_TTL", False), ("public_key", False),
    ("csrf_token", False), ("passwordSecretRef", False), ("tokenUrl", False), ("AZURE_CLIENT_ID", False),
    # settings about a secret: names ending or starting with a word of a setting
    ("signing_key_ref", False), ("db-passwords", False), ("PASSWORD_MODE", False), ("DEFAULT_MODE_PASSWORD", False),
    ("usePassword", False), ("api_key", True), ("mode_password", True), ("password_at_rest", True),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize("value,random", [
    (PW, True), ("4f6c2e1a9b3d4c7e8a5f0d2b6e9c1f47", True), ("orders-db-credentials", False),
    ("MySecretName", False), ("postgres", False), ("ops@contoso.com", False), ("with space x1!", False),
    ("https://vault.example.com", False), ("ORDERS_DB_PASSWORD", False),
])
def test_looks_random(value: str, random: bool) -> None:
    assert looks_random(value) is random


def test_identifier_pattern_cannot_backtrack_catastrophically() -> None:
    # with a nested quantifier this input took exponential time (a hostile manifest could hang a scan)
    from podwarden.rules.credentials._names import looks_random

    assert looks_random("a" * 60 + "!") is False
    assert looks_random("Ab" * 200 + "9!") is False


def test_metadata_the_api_server_writes_is_not_scanned() -> None:
    # managedFields name the client that wrote the object: no credential of the manifest's,
    # and the webhook evaluates objects without them; check and the webhook must agree
    written = _pod({}, annotations={"note": "ghp_" + "Zq4" * 12},
                   managedFields=[{"manager": "ghp_" + "Wx7" * 12, "operation": "Apply", "apiVersion": "v1"}])
    assert _rules(written) == {"credentials/github-token": ["metadata.annotations.note"]}


@pytest.mark.parametrize("field", sorted(PER_OBJECT_METADATA))
def test_each_field_the_api_server_writes_is_skipped_as_the_webhook_skips_it(field: str) -> None:
    token = "ghp_" + "Kd3" * 12
    written = _pod({}, annotations={"note": "ghp_" + "Zq4" * 12}, **{field: token})
    assert _rules(written) == {"credentials/github-token": ["metadata.annotations.note"]}
    assert field not in without_per_object_metadata(written)["metadata"]


class _Text(str):
    """A key that is a str subclass (no loader makes one; a Python caller could)."""


def test_a_key_that_is_a_str_subclass_is_read_as_its_text_whatever_came_before() -> None:
    token = "ghp_" + "Mn5" * 12

    def config_map(key: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {key: "x"}}

    alone = _rules(config_map(_Text(token)))
    assert alone == {"credentials/github-token": ["data"]}
    assert _rules(config_map(token)) == alone
    assert _rules(config_map(_Text(token))) == alone  # its text now remembered: the same


def _layered_key(layers: int) -> dict[str, Any]:
    """A ConfigMap whose value holds a PEM key ``layers`` base64 documents down."""
    body = base64.b64encode(b"\x30\x82\x04\xa4" + bytes(range(256)) * 2).decode()
    text = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    for _ in range(layers):
        text = "client-key-data: " + base64.b64encode(text.encode()).decode() + "\n"
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"config": text}}


def test_real_layouts_nest_deep_but_hostile_nesting_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _rules(_layered_key(4)) == {"credentials/private-key": ["data.config"]}
    assert _rules(_layered_key(_scan.MAX_DEPTH + 2)) == {}
    monkeypatch.setattr(_scan, "NESTED_BUDGET", 100)  # a budget too small for the first layer
    assert _rules(_layered_key(2)) == {}


def test_weak_default_is_high_and_named_without_its_value() -> None:
    found = _scan.scan(KubeObject(_pod({"env": [{"name": "POSTGRES_PASSWORD", "value": "postgres"},
                                                 {"name": "API_TOKEN", "value": "quokka7"}]})))
    weak, other = found["credentials/hard-coded-password"]
    assert (weak.severity, other.severity) == (Severity.HIGH, None)
    assert "postgres" not in weak.message.lower().replace("postgres_password", "")
    assert "quokka7" not in other.message and other.secret and "quokka" not in other.secret


def test_fallback_rules_stay_quiet_where_a_specific_rule_reported() -> None:
    url = "postgres://app:Vq8nR2tLz5xK@db:5432/orders"
    assert _rules(_pod({"env": [{"name": "DB_PASSWORD", "value": url}]})) == {
        "credentials/url-with-password": ["spec.containers[0].env[0].value"]}


def test_filters_and_scan_import_no_circle() -> None:
    import ast
    from pathlib import Path

    filters = Path(_scan.__file__).parent / "filters"
    for module in filters.glob("*.py"):
        imported = {node.module for node in ast.walk(ast.parse(module.read_text()))
                    if isinstance(node, ast.ImportFrom) and node.module}
        assert "podwarden.rules.credentials._scan" not in imported, module.name


def test_a_credential_written_as_a_mapping_key_is_reported_at_its_mapping() -> None:
    token = "ghp_" + "Zq8xR2mK7vLp3NwY6tB9cD4fH1jS5gA0eU2i"
    found = _scan.scan(KubeObject(_pod({}, annotations={token: "true"})))
    assert {rule: [render(v.path) for v in vs] for rule, vs in found.items()} == {
        "credentials/github-token": ["metadata.annotations"]}
    (violation,) = found["credentials/github-token"]
    assert violation.message == 'github token in a key of "annotations"'
    assert token[4:16] not in violation.message + render(violation.path)
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {token: "enabled"}}
    assert _rules(config) == {"credentials/github-token": ["data"]}
    # ordinary keys stay quiet: names are not values
    assert _rules(_pod({}, annotations={"checksum/secret-token-password": "x"})) == {}
