"""Workload identity injection: upstream's behaviour, both layouts, idempotent."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from podwarden.fix.jsonpatch import apply_patch, edits_to_patch
from podwarden.webhook import wi

SA = {wi.CLIENT_ID: "00000000-0000-0000-0000-0000000000c1", wi.TENANT_ID: "00000000-0000-0000-0000-0000000000t1"}


def wi_pod(**annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api", "labels": {wi.USE_LABEL: "true"}, "annotations": dict(annotations)},
        "spec": {
            "serviceAccountName": "api-sa",
            "initContainers": [{"name": "migrate", "image": "m"}],
            "containers": [
                {"name": "app", "image": "a", "env": [{"name": "AZURE_CLIENT_ID", "value": "keep-me"}]},
                {"name": "proxy", "image": "p"},
            ],
            "ephemeralContainers": [{"name": "debug", "image": "d"}],
        },
    }


def inject(pod: dict[str, Any], sa: dict[str, str] | None = SA, **kw: Any) -> tuple[list[Any], dict[str, Any]]:
    ops = edits_to_patch(pod, wi.edits(pod, sa, wi.Settings(**kw)))
    return ops, apply_patch(pod, ops)


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def test_v16_layout_matches_upstream() -> None:
    ops, out = inject(wi_pod())
    name = "azure-workload-identity-reserved-" + hashlib.sha256(b"api").hexdigest()[:30]
    assert len(name) == 63
    volume = out["spec"]["volumes"][-1]
    assert volume == {"name": name, "projected": {"sources": [{"serviceAccountToken": {
        "path": "token/azure-identity-token", "expirationSeconds": 3600,
        "audience": "api://AzureADTokenExchange"}}]}}
    init, app, proxy = out["spec"]["initContainers"][0], *out["spec"]["containers"]
    for c in (init, proxy):
        assert env(c) == {
            "AZURE_CLIENT_ID": SA[wi.CLIENT_ID], "AZURE_TENANT_ID": SA[wi.TENANT_ID],
            "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/wi/token/azure-identity-token",
            "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
        }
        assert c["volumeMounts"] == [{"name": name, "mountPath": "/var/run/secrets/azure/wi", "readOnly": True}]
    assert env(app)["AZURE_CLIENT_ID"] == "keep-me"  # never overwritten
    assert [e["name"] for e in app["env"]].count("AZURE_CLIENT_ID") == 1
    assert out["spec"]["ephemeralContainers"] == [{"name": "debug", "image": "d"}]
    # minimal: one op per env list created, one per append, one per mount list, one volume
    assert len(ops) == 9


def test_v15_layout() -> None:
    _, out = inject(wi_pod(), layout="v1.5")
    assert out["spec"]["volumes"][-1]["name"] == "azure-identity-token"
    src = out["spec"]["volumes"][-1]["projected"]["sources"][0]["serviceAccountToken"]
    assert src["path"] == "azure-identity-token"
    proxy = out["spec"]["containers"][1]
    assert env(proxy)["AZURE_FEDERATED_TOKEN_FILE"] == "/var/run/secrets/azure/tokens/azure-identity-token"
    assert proxy["volumeMounts"][0]["mountPath"] == "/var/run/secrets/azure/tokens"


@pytest.mark.parametrize("first, second", [("v1.5", "v1.6"), ("v1.6", "v1.5"), ("v1.6", "v1.6")])
def test_both_layouts_count_as_injected(first: str, second: str) -> None:
    _, once = inject(wi_pod(), layout=first)
    ops, twice = inject(once, layout=second)
    assert ops == [] and twice == once


def test_partially_injected_pod_gets_only_what_is_missing() -> None:
    _, once = inject(wi_pod(), layout="v1.5")
    once["spec"]["containers"].append({"name": "late", "image": "l"})
    ops, out = inject(once)
    assert all(op["path"].startswith("/spec/containers/2/") for op in ops)
    assert out["spec"]["containers"][2]["volumeMounts"][0]["name"] == "azure-identity-token"


def test_skip_containers_and_generate_name() -> None:
    pod = wi_pod(**{wi.SKIP_CONTAINERS: " proxy ; migrate"})
    del pod["metadata"]["name"]
    pod["metadata"]["generateName"] = "api-7d9f-"
    _, out = inject(pod)
    assert "env" not in out["spec"]["containers"][1] and "env" not in out["spec"]["initContainers"][0]
    digest = hashlib.sha256(b"api-7d9f- (prefix)").hexdigest()[:30]
    assert out["spec"]["volumes"][-1]["name"].endswith(digest)


def test_tenant_falls_back_to_settings_and_empty_values_are_not_added() -> None:
    _, out = inject(wi_pod(), sa={}, tenant_id="tenant-from-config")
    names = env(out["spec"]["containers"][1])
    assert "AZURE_CLIENT_ID" not in names and names["AZURE_TENANT_ID"] == "tenant-from-config"


def test_expiration_from_pod_then_service_account() -> None:
    _, out = inject(wi_pod(**{wi.EXPIRATION: "7200"}), sa={**SA, wi.EXPIRATION: "86400"})
    assert out["spec"]["volumes"][-1]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 7200
    _, out = inject(wi_pod(), sa={**SA, wi.EXPIRATION: "86400"})
    assert out["spec"]["volumes"][-1]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 86400


@pytest.mark.parametrize("value", ["3599", "86401", "1h", "12.5"])
def test_invalid_expiration_is_an_error(value: str) -> None:
    with pytest.raises(wi.InjectionError):
        wi.edits(wi_pod(**{wi.EXPIRATION: value}), SA, wi.Settings())


def test_label_value_must_be_exactly_true() -> None:
    pod = wi_pod()
    assert wi.wants_injection(pod)
    pod["metadata"]["labels"][wi.USE_LABEL] = "True"
    assert not wi.wants_injection(pod)
    assert wi.service_account_name({"spec": {}}) == "default"


def test_input_is_not_modified() -> None:
    pod = wi_pod()
    before = copy.deepcopy(pod)
    inject(pod)
    assert pod == before
