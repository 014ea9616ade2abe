"""The vault and identity families' private helpers: the `objects` parser, identity mode
flags, tenant keys, Secrets Store CSI volume references and the workload identity keys."""

from __future__ import annotations

from typing import Any

import pytest

from podwarden.model.index import Index
from podwarden.model.objects import KubeObject
from podwarden.rules.api import Context
from podwarden.rules.identity import _wi
from podwarden.rules.vault import _spc


def _spc_obj(name: str, provider: str, params: dict[str, Any], namespace: str = "shop") -> KubeObject:
    return KubeObject({"apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
                       "metadata": {"name": name, "namespace": namespace},
                       "spec": {"provider": provider, "parameters": params}})


def _pod(volumes: list[dict[str, Any]], labels: dict[str, str] | None = None) -> KubeObject:
    return KubeObject({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": "p", "namespace": "shop", "labels": labels or {}},
                       "spec": {"containers": [{"name": "c", "image": "i"}], "volumes": volumes}})


# --- the `objects` parameter --------------------------------------------------------------

def test_objects_parse_to_trimmed_string_fields() -> None:
    text = "array:\n  - |\n    objectName: ' db '\n    objectType: secret\n    objectVersion:\n" \
           "    objectVersionHistory: 3\n"
    entries, problems = _spc.read_objects(text)
    assert problems == []
    assert entries == [{"objectName": "db", "objectType": "secret", "objectVersion": "",
                        "objectVersionHistory": "3"}]
    assert _spc.entries({"objects": text}) == entries
    assert _spc.entries({}) == []


def test_objects_top_level_yaml_error_names_the_line() -> None:
    entries, problems = _spc.read_objects("array:\n  - |\n    a: 1\n  b: [\n")
    assert entries == []
    assert len(problems) == 1
    assert problems[0].startswith("objects is not valid YAML: ")
    assert "(line " in problems[0]


@pytest.mark.parametrize("text", ["", "array: []", "objects: [a]", "- a", "just text"])
def test_objects_without_an_array_mount_nothing(text: str) -> None:
    assert _spc.read_objects(text) == ([], ["objects has no array of objects: nothing would be mounted"])


def test_objects_entry_problems_are_numbered_and_keep_the_good_entries() -> None:
    text = "array:\n  - 42\n  - |\n    objectName: a\n  - just text\n"
    entries, problems = _spc.read_objects(text)
    assert problems == [
        "objects array entry 0 must be a string of YAML (write it as '- |')",
        "objects array entry 2 must hold a mapping of object fields",
    ]
    assert entries == [{"objectName": "a"}]


def test_objects_one_unparsable_entry_hides_all_entries() -> None:
    """Rules reading the entries stay silent; vault/objects-unparsable reports instead."""
    text = "array:\n  - |\n    objectName: a\n  - |\n    objectName: [unclosed\n"
    entries, problems = _spc.read_objects(text)
    assert entries == []
    assert len(problems) == 1
    assert problems[0].startswith("objects array entry 1 is not valid YAML: ")
    assert problems[0].endswith("(line 2)")  # counted within the entry, not the parameter


# --- parameters and identity modes --------------------------------------------------------

def test_azure_parameters_only_for_the_azure_provider() -> None:
    found = _spc.azure_parameters(_spc_obj("x", "azure", {"clientID": "c"}))
    assert found is not None
    node, params = found.node, found.values
    assert params == {"clientID": "c"}
    assert node.at("clientID") == ("spec", "parameters", "clientID")
    assert _spc.azure_parameters(_spc_obj("x", "vault", {"clientID": "c"})) is None


@pytest.mark.parametrize("value", ["1", "t", "T", "TRUE", "true", "True", " true "])
def test_flag_reads_go_parse_bool_true(value: str) -> None:
    assert _spc.flag({"usePodIdentity": value}, "usePodIdentity")


@pytest.mark.parametrize("value", ["", "false", "0", "yes", "on", "tRUE"])
def test_flag_is_false_otherwise(value: str) -> None:
    assert not _spc.flag({"usePodIdentity": value}, "usePodIdentity")


def test_single_mode_is_none_without_or_with_several_modes() -> None:
    assert _spc.single_mode({}) is None
    assert _spc.single_mode({"useVMManagedIdentity": "true", "usePodIdentity": "false"}) == "useVMManagedIdentity"
    both = {"useAzureTokenProxy": "1", "usePodIdentity": "t"}
    assert _spc.modes_on(both) == ["usePodIdentity", "useAzureTokenProxy"]
    assert _spc.single_mode(both) is None


def test_client_id_is_trimmed() -> None:
    assert _spc.client_id({"clientID": "  "}) == ""
    assert _spc.client_id({"clientID": " abc "}) == "abc"


def test_tenant_keys() -> None:
    assert _spc.has_tenant({"tenantId": "t"}) and _spc.has_tenant({"tenantID": "t"})
    assert not _spc.has_tenant({"tenantID": " ", "tenant_id": "t"})
    params = {"tenant_id": "t", "TenantID": "t", "tenant-id": "t", "tenantID": "", "tenant": "t"}
    assert _spc.misspelt_tenant_keys(params) == ["tenant_id", "TenantID", "tenant-id"]


# --- pod volumes --------------------------------------------------------------------------

VOLUMES = [
    {"name": "kv", "csi": {"driver": _spc.DRIVER, "volumeAttributes": {"secretProviderClass": " spc "}}},
    {"name": "other", "csi": {"driver": "disk.csi.azure.com",
                              "volumeAttributes": {"secretProviderClass": "spc"}}},
    {"name": "unnamed", "csi": {"driver": _spc.DRIVER}},
    {"name": "empty", "emptyDir": {}},
]


def test_csi_volumes_are_those_of_the_secrets_store_driver() -> None:
    pod = _pod(VOLUMES).pod
    assert [v.str("name") for v, _ in _spc.csi_volumes(pod)] == ["kv", "unnamed"]


def test_spc_refs_trim_the_name_and_point_at_it() -> None:
    refs = list(_spc.spc_refs(_pod(VOLUMES).pod))
    assert [(r.name, r.path) for r in refs] == [
        ("spc", ("spec", "volumes", 0, "csi", "volumeAttributes", "secretProviderClass"))]


def test_azure_spc_looks_up_in_the_pods_namespace() -> None:
    index = Index()
    index.add(_spc_obj("spc", "azure", {"clientID": "c"}), "spc.yaml")
    index.add(_spc_obj("gcp", "gcp", {"clientID": "c"}), "spc.yaml")
    index.add(_spc_obj("far", "azure", {"clientID": "c"}, namespace="other"), "spc.yaml")
    pod = _pod(VOLUMES).pod
    ctx = Context(index=index)
    assert _spc.azure_spc(pod, ctx, "spc") == {"clientID": "c"}
    assert _spc.azure_spc(pod, ctx, "gcp") is None
    assert _spc.azure_spc(pod, ctx, "far") is None
    assert _spc.azure_spc(pod, Context(), "spc") is None


# --- identity ------------------------------------------------------------------------------

def test_opted_in_needs_the_exact_label_value() -> None:
    assert _wi.opted_in(_pod([], {_wi.USE: "true"}).pod)
    assert not _wi.opted_in(_pod([], {_wi.USE: "True"}).pod)
    assert not _wi.opted_in(_pod([]).pod)


def test_norm_drops_case_and_punctuation() -> None:
    assert _wi.norm("Azure.Workload-Identity/Client_ID") == "azureworkloadidentityclientid"
