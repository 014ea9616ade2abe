"""The identity and vault families across objects: the complete example is clean, each
broken variant yields exactly the one rule it was made for, and the index's defaulting."""

from __future__ import annotations

import pytest

from podwarden.engine import Engine, Selection
from podwarden.model.index import Index, service_account_name
from podwarden.model.objects import KubeObject
from podwarden.rules.api import Severity
from podwarden.rules.registry import default_registry
from tests.conftest import ROOT
from tests.rules.fixtures import Fixture, all_fixtures

EXAMPLE = ROOT / "examples" / "workload-identity-keyvault"
FAMILIES = frozenset({"identity", "vault"})
BROKEN = [fx for fx in all_fixtures() if fx.rule_id.split("/")[0] in FAMILIES and not fx.passing]
CLEAN = [fx for fx in all_fixtures() if fx.rule_id.split("/")[0] in FAMILIES and fx.passing]


def _run(paths: list[str], context: list[str] = (), only: frozenset[str] = FAMILIES):  # type: ignore[assignment]
    return Engine(Selection(only=only)).run(paths, list(context))


def test_complete_example_is_clean_for_identity_vault_and_pss() -> None:
    result = _run([str(EXAMPLE)], only=FAMILIES | {"pss"})
    assert not result.errors, [str(e) for e in result.errors]
    assert [(f.rule_id, f.message) for f in result.findings] == []
    assert {o.object.kind for o in result.objects} == {
        "Namespace", "ServiceAccount", "SecretProviderClass", "Deployment"}


def test_complete_example_is_clean_in_every_family() -> None:
    result = _run([str(EXAMPLE)], only=frozenset())
    assert not result.errors, [str(e) for e in result.errors]
    assert [(f.rule_id, f.message) for f in result.findings] == []


def test_example_needs_its_service_account() -> None:
    """Without the ServiceAccount file the pod's identity cannot be checked: a LOW note."""
    files = [str(p) for p in sorted(EXAMPLE.glob("*.yaml")) if p.name != "serviceaccount.yaml"]
    result = _run(files)
    assert [(f.rule_id, f.severity) for f in result.findings] == [
        ("identity/service-account-not-found", Severity.LOW)]
    with_context = _run(files, [str(EXAMPLE / "serviceaccount.yaml")])
    assert with_context.findings == []


@pytest.mark.parametrize("fx", BROKEN, ids=[f.id for f in BROKEN])
def test_broken_variant_yields_exactly_its_rule(fx: Fixture) -> None:
    result = _run([str(fx.path)], [str(p) for p in fx.context])
    assert not result.errors, [str(e) for e in result.errors]
    assert {f.rule_id for f in result.findings} == {fx.rule_id}, [
        f"{f.line}: {f.rule_id} {f.message}" for f in result.findings]


@pytest.mark.parametrize("fx", CLEAN, ids=[f.id for f in CLEAN])
def test_passing_variant_is_clean_for_both_families(fx: Fixture) -> None:
    result = _run([str(fx.path)], [str(p) for p in fx.context])
    assert not result.errors
    assert [f.rule_id for f in result.findings] == []


def test_families_run_by_default() -> None:
    registry = default_registry()
    assert {"identity", "vault"} <= set(registry.families)
    engine = Engine(Selection())
    active = {a.rule.family for a in engine.active}
    assert {"identity", "vault"} <= active
    assert engine.uses_index


def test_namespace_enforcement_unknown_is_low() -> None:
    fx = ROOT / "tests/rules/identity/proxy-init-rejected-by-pss/fail-namespace-not-in-input.yaml"
    ctx = ROOT / "tests/rules/identity/proxy-init-rejected-by-pss/sa.yaml"
    low = _run([str(fx)], [str(ctx)]).findings
    assert [(f.rule_id, f.severity) for f in low] == [("identity/proxy-init-rejected-by-pss", Severity.LOW)]
    enforced = ROOT / "tests/rules/identity/proxy-init-rejected-by-pss/ns-restricted.yaml"
    high = _run([str(fx)], [str(ctx), str(enforced)]).findings
    assert [f.severity for f in high] == [Severity.HIGH]


def _pod(spec: dict, namespace: str | None = "shop") -> KubeObject:
    meta = {"name": "p"} | ({"namespace": namespace} if namespace else {})
    return KubeObject({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                       "spec": {"containers": [{"name": "c", "image": "i"}], **spec}})


def _sa(name: str, namespace: str | None) -> KubeObject:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return KubeObject({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta})


def test_service_account_defaulting() -> None:
    assert service_account_name(_pod({}).pod) == "default"
    assert service_account_name(_pod({"serviceAccount": "legacy"}).pod) == "legacy"
    assert service_account_name(_pod({"serviceAccountName": "new", "serviceAccount": "old"}).pod) == "new"
    assert service_account_name(_pod({"serviceAccountName": ""}).pod) == "default"


def test_lookup_honours_namespaces() -> None:
    index = Index()
    index.add(_sa("app", "other"), "sa.yaml")
    index.add(_sa("default", "default"), "sa.yaml")
    in_shop = _pod({"serviceAccountName": "app"})
    assert index.service_account_of(in_shop.pod) == ("app", None)
    assert [e.obj.ref.namespace for e in index.elsewhere("ServiceAccount", in_shop, "app")] == ["other"]
    # a pod written without a namespace lands wherever it is applied: any namespace matches
    floating = _pod({"serviceAccountName": "app"}, namespace=None)
    name, entry = index.service_account_of(floating.pod)
    assert name == "app" and entry is not None and entry.obj.ref.namespace == "other"
    assert index.elsewhere("ServiceAccount", floating, "app") == []
    # the default ServiceAccount of the default namespace
    name, entry = index.service_account_of(_pod({}, namespace="default").pod)
    assert name == "default" and entry is not None
    # objects written without a namespace match any referrer's namespace
    index.add(_sa("shared", None), "sa.yaml")
    assert index.service_account_of(_pod({"serviceAccountName": "shared"}).pod)[1] is not None


def test_objects_yaml_errors_are_findings_not_crashes() -> None:
    spc = {
        "apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
        "metadata": {"name": "x", "namespace": "shop"},
        "spec": {"provider": "azure", "parameters": {
            "keyvaultName": "kv-shop", "tenantID": "t", "clientID": "c",
            "objects": "array:\n  - |\n    objectName: [unclosed\n  - 42\n  - just text\n"}},
    }
    out = Engine(Selection(only=frozenset({"vault"}))).evaluate_object(spc)
    assert not out.errors
    messages = sorted(f.message for f in out.findings)
    assert [f.rule_id for f in out.findings] == ["vault/objects-unparsable"] * 3, messages
    assert any("entry 0 is not valid YAML" in m for m in messages)
    assert any("entry 1 must be a string" in m for m in messages)
    assert any("entry 2 must hold a mapping" in m for m in messages)


def test_credentials_never_in_messages() -> None:
    fx = ROOT / "tests/rules/identity/fixed-credential-env/fail-env-from-secret.yaml"
    result = _run([str(fx)], [str(fx.parent / "sa.yaml")])
    assert result.findings and all("placeholder" not in f.message for f in result.findings)
