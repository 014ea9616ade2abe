"""Planted credentials never appear in any output: every format of `check`, baselines,
error messages, and the findings the webhook's engine call returns."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Engine, Selection

# synthetic values, one per format family (none is a real credential)
PLANTED = {
    "storage": "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo==",
    "entra": "Fdn8Q~XsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfl",
    "password": "Hx7!kP2q",  # short: 8 characters, so no prefix may show
    "sqlpw": "Tr0ub4dor-Zx91-Qq",
    "jwt_sig": "RZJzzgEOzdmenCkhvMdgaKjIg8xNbe3nNyjOq9wMx",
    "ghp": "ghp_joQoaF1LlqsajAIxNKu8iS2G8NPRVdD53X83",
    "secret_data": "Kq93-Lz71-Vv02-Mm55",
    "weak": "quokka7",  # a weak fixed password: hard-coded-password, not generic-secret
    "npm": "npm_Xq81Lw0Pz7Rt4Ys2Vb6Nc3Md9Kf5Hg1Jh8Ea",
}
_JWT_HEAD = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
_JWT_BODY = base64.urlsafe_b64encode(b'{"sub":"deployer","exp":4102444800}').decode().rstrip("=")

MANIFEST = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  selector:
    matchLabels: {{app: orders}}
  template:
    metadata:
      labels: {{app: orders}}
    spec:
      containers:
        - name: orders
          image: contoso.azurecr.io/orders:1.0
          args: ["--token", "{PLANTED['ghp']}"]
          env:
            - name: STORAGE
              value: "DefaultEndpointsProtocol=https;AccountName=orders;AccountKey={PLANTED['storage']};EndpointSuffix=core.windows.net"
            - name: AZURE_CLIENT_SECRET
              value: "{PLANTED['entra']}"
            - name: DB_PASSWORD
              value: "{PLANTED['password']}"
            - name: SQL
              value: "Server=tcp:orders.database.windows.net;User ID=app;Password={PLANTED['sqlpw']};"
            - name: TOKEN
              value: "{_JWT_HEAD}.{_JWT_BODY}.{PLANTED['jwt_sig']}"
            - name: ADMIN_PASSWORD
              value: "{PLANTED['weak']}"
            - name: NPMRC
              value: "//registry.npmjs.org/:_authToken={PLANTED['npm']}"
---
apiVersion: v1
kind: Secret
metadata:
  name: orders-db
data:
  password: {base64.b64encode(PLANTED['secret_data'].encode()).decode()}
"""

# the same values where the loader or a rule fails: errors must not quote them either
BROKEN_YAML = f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: broken}}
data:
  password: "{PLANTED['password']}
  token: {PLANTED['ghp']}: [
"""
BROKEN_JSON = f'{{"apiVersion": "v1", "kind": "Secret", "data": {{"x": "{PLANTED["sqlpw"]}",}}}}'
SHAPE_ERROR = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: shape}}
spec:
  containers: "{PLANTED['entra']}"
"""


def _leaks(text: str) -> list[str]:
    """Planted values (or their base64, or any 8-character piece of the long ones) in text."""
    found = []
    for name, value in PLANTED.items():
        pieces = {value, base64.b64encode(value.encode()).decode()}
        pieces |= {value[i : i + 8] for i in range(0, len(value) - 7, 4)} if len(value) > 12 else set()
        found += [name for piece in pieces if piece in text]
    return found


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    (tmp_path / "app.yaml").write_text(MANIFEST)
    return tmp_path


def test_every_planted_value_is_found(planted: Path) -> None:
    result = Engine(Selection(only=frozenset({"credentials"}))).run([str(planted)])
    rules = {f.rule_id for f in result.findings}
    assert {"credentials/azure-storage-account-key", "credentials/entra-client-secret",
            "credentials/generic-secret", "credentials/connection-string-password",
            "credentials/jwt-token", "credentials/github-token",
            "credentials/committed-secret", "credentials/hard-coded-password",
            "credentials/npm-token"} <= rules
    assert all(f.secret for f in result.findings)


FORMATS = ["text", "json", "sarif", "junit", "html"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_outputs_never_show_a_value(planted: Path, fmt: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["check", str(planted), "-o", fmt])
    assert out.exit_code == 1, out.output
    assert "credentials/" in out.output
    assert _leaks(out.output) == []
    report = tmp_path / f"report.{fmt}"
    out = runner.invoke(main, ["check", str(planted), "-o", fmt, "--output", str(report)])
    assert _leaks(report.read_text()) == []


def test_every_output_format_is_covered() -> None:
    """A new output format must be added to the test above."""
    import click

    command = main.commands["check"]
    formats = [p for p in command.params if "--format" in getattr(p, "opts", ())]
    assert formats and isinstance(formats[0].type, click.Choice)
    assert set(formats[0].type.choices) == set(FORMATS)


def test_json_carries_fingerprints_not_values(planted: Path) -> None:
    out = CliRunner().invoke(main, ["check", str(planted), "-o", "json", "--only", "credentials"])
    findings = json.loads(out.output)["findings"]
    secrets = {f["rule"]: f["secret"] for f in findings}
    short = next(f["secret"] for f in findings if f["rule"] == "credentials/generic-secret")
    assert short.startswith("...(8)#")  # a short password shows no prefix at all
    assert secrets["credentials/github-token"].startswith("ghp_...(40)#")


def test_baseline_file_never_holds_a_value(planted: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    out = CliRunner().invoke(main, ["check", str(planted), "--write-baseline", str(baseline)])
    assert out.exit_code == 0, out.output
    assert _leaks(baseline.read_text()) == []


@pytest.mark.parametrize("name,text", [("broken.yaml", BROKEN_YAML), ("broken.json", BROKEN_JSON),
                                       ("shape.yaml", SHAPE_ERROR)])
def test_error_messages_never_show_a_value(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    for fmt in FORMATS:
        out = CliRunner().invoke(main, ["check", str(path), "-o", fmt])
        assert out.exit_code == 2, out.output
        assert _leaks(out.output) == [], (fmt, out.output)


def test_findings_and_violations_never_hold_a_value(planted: Path) -> None:
    """What the webhook gets from the engine (messages, paths, repr) is clean too."""
    import yaml

    engine = Engine(Selection(only=frozenset({"credentials"})))
    for doc in yaml.safe_load_all(MANIFEST):
        result = engine.evaluate_object(doc)
        assert result.findings
        assert _leaks(repr(result.findings)) == []
        assert _leaks(json.dumps([f.as_dict() for f in result.findings])) == []
