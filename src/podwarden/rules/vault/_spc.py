"""What the vault rules share: SecretProviderClass parameters as the Azure provider reads them.

Private to the family (the registry skips ``_`` modules).  Field access keeps the order
the rules always used, so malformed input raises the same shape errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from podwarden.model.record import Record
from podwarden.rules.api import Context, FieldPath, KubeObject, Node, PodView

DRIVER = "secrets-store.csi.k8s.io"
KIND = "SecretProviderClass"
#: the provider's identity mode flags; workload identity is none of them plus ``clientID``
MODES = ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")
#: what Go's strconv.ParseBool accepts
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
TENANT_KEYS = ("tenantID", "tenantId")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- SecretProviderClass parameters -------------------------------------------------------

class Parameters(Record):
    """``spec.parameters`` of a SecretProviderClass: where it is, and its strings."""

    __slots__ = ("node", "values")
    _fields = ("node", "values")
    node: Node
    values: dict[str, str]

    def __init__(self, node: Node, values: dict[str, str]) -> None:
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "values", values)


def azure_parameters(obj: KubeObject) -> Parameters | None:
    """The parameters of an azure SecretProviderClass; None for another provider."""
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return None
    return Parameters(spec.map("parameters"), spec.str_map("parameters"))


def flag(params: dict[str, str], key: str) -> bool:
    """A mode flag as the provider reads it (Go ParseBool after trimming)."""
    return params.get(key, "").strip() in TRUE


def modes_on(params: dict[str, str]) -> list[str]:
    """The identity modes set to true, in ``MODES`` order."""
    return [m for m in MODES if flag(params, m)]


def single_mode(params: dict[str, str]) -> str | None:
    """The one mode on; None with none, or with several (vault/identity-mode-invalid)."""
    on = modes_on(params)
    return on[0] if len(on) == 1 else None


def client_id(params: dict[str, str]) -> str:
    return params.get("clientID", "").strip()


def has_tenant(params: dict[str, str]) -> bool:
    """``tenantID`` or ``tenantId`` set: the two spellings the provider reads."""
    return any(params.get(k, "").strip() for k in TENANT_KEYS)


def misspelt_tenant_keys(params: dict[str, str]) -> list[str]:
    """Keys that read as the tenant id but that the provider ignores (``tenant_id`` ...)."""
    return [k for k in params if k not in TENANT_KEYS and re.sub(r"[^a-z0-9]", "", k.lower()) == "tenantid"]


# --- the `objects` parameter --------------------------------------------------------------

def load(text: str) -> tuple[Any, str]:
    """The parsed YAML value and "", or None and the parser's complaint."""
    try:
        return yaml.load(text, Loader=_Loader), ""
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return None, f"{problem} (line {mark.line + 1})" if mark is not None else problem


def read_objects(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """The Key Vault objects of an ``objects`` string and what is wrong with it.

    Objects are mappings of trimmed strings (the provider trims them); entries that are
    not mappings are left out, and when any YAML does not parse there are none at all.
    Problems are in the provider's terms, for vault/objects-unparsable.
    """
    doc, error = load(text)
    if error:
        return [], [f"objects is not valid YAML: {error}"]
    array = doc.get("array") if isinstance(doc, dict) else None
    if not isinstance(array, list) or not array:
        return [], ["objects has no array of objects: nothing would be mounted"]
    out: list[dict[str, str]] = []
    problems: list[str] = []
    broken = False
    for i, item in enumerate(array):
        if not isinstance(item, str):
            problems.append(f"objects array entry {i} must be a string of YAML (write it as '- |')")
            continue
        entry, error = load(item)
        if error:
            broken = True
            problems.append(f"objects array entry {i} is not valid YAML: {error}")
        elif not isinstance(entry, dict):
            problems.append(f"objects array entry {i} must hold a mapping of object fields")
        else:
            out.append({str(k): "" if v is None else str(v).strip() for k, v in entry.items()})
    return ([] if broken else out), problems


def entries(params: dict[str, str]) -> list[dict[str, str]]:
    """The objects of the ``objects`` parameter; [] when it does not parse."""
    return read_objects(params.get("objects", ""))[0]


# --- pod volumes --------------------------------------------------------------------------

def csi_volumes(pod: PodView) -> Iterator[tuple[Node, Node]]:
    """(volume, csi) of each Secrets Store CSI volume."""
    for volume in pod.volumes():
        csi = volume.map_if_set("csi")
        if csi is not None and csi.raw("driver") == DRIVER:
            yield volume, csi


class SpcRef(Record):
    """A Secrets Store CSI volume naming a SecretProviderClass."""

    __slots__ = ("csi", "name", "path")
    _fields = ("csi", "name", "path")
    csi: Node
    name: str
    #: ``volumeAttributes.secretProviderClass``, where findings about the class point
    path: FieldPath

    def __init__(self, csi: Node, name: str, path: FieldPath) -> None:
        object.__setattr__(self, "csi", csi)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "path", path)


def spc_refs(pod: PodView) -> Iterator[SpcRef]:
    """The Secrets Store CSI volumes that name a SecretProviderClass (name trimmed)."""
    for volume in pod.volumes():
        csi = volume.map_if_set("csi")
        if csi is None:
            continue
        attributes = csi.map("volumeAttributes")
        name = (attributes.str("secretProviderClass") or "").strip()
        if csi.raw("driver") == DRIVER and name:
            yield SpcRef(csi, name, attributes.at("secretProviderClass"))


def azure_spc(pod: PodView, ctx: Context, name: str) -> dict[str, str] | None:
    """Parameters of the azure SecretProviderClass ``name`` the pod mounts; None when it
    is not in the input (or ``--context``) or is for another provider."""
    entry = ctx.index.lookup(KIND, pod.obj, name) if ctx.index is not None else None
    if entry is None:
        return None
    spec = entry.obj.root.map("spec")
    params = spec.str_map("parameters")
    return params if spec.raw("provider") == "azure" else None
