"""An object's errors name fields, and a field can be named by a credential (a ConfigMap key
that is a token): a credential any rule found in the object is hidden in its errors too."""

from __future__ import annotations

from podwarden.engine import Engine, Selection
from podwarden.load import yaml as yamlload

TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"  # a GitHub token's format, made up


def _scan(text: str, only: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    return Engine(Selection(only=only)).scan_docs(yamlload.parse(text, "c.yaml"), "c.yaml", True)


def test_a_token_naming_a_wrong_field_is_hidden_in_the_error() -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  {TOKEN}: 1\n"
    result = _scan(text)
    assert [f.rule_id for f in result.findings] == ["credentials/github-token"]
    (error,) = result.errors
    assert TOKEN not in str(error) and result.findings[0].secret in error.message
    assert error.line == 5 and "expected a string, got an integer" in error.message


def test_without_the_credentials_family_the_error_is_the_same_as_ever() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  port: 8080\n"
    (error,) = _scan(text, frozenset({"pss"})).errors
    assert error.message == "ConfigMap/c: data.port: expected a string, got an integer"
