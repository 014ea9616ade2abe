"""Microsoft Entra Workload ID injection, as the azure-workload-identity webhook does it.

For a pod labelled ``azure.workload.identity/use: "true"`` every init and regular
container (ephemeral containers are left alone, and so are those named in the
``skip-containers`` annotation) gets the ``AZURE_*`` environment variables the Azure
Identity libraries read, unless a variable of that name is already set, and a read-only
mount of a projected service account token volume with audience
``api://AzureADTokenExchange``.  Client and tenant ids come from the ServiceAccount's
annotations (tenant falling back to the webhook's own setting); a variable whose value
would be empty is not added, as upstream does.

Two layouts exist upstream (checked against Azure/azure-workload-identity v1.5.1 and
v1.6.0, ``pkg/webhook``): v1.5 names the volume ``azure-identity-token`` and mounts it at
``/var/run/secrets/azure/tokens``; v1.6 names it ``azure-workload-identity-reserved-``
plus the first 30 hex digits of sha256(pod name, or ``<generateName> (prefix)``), mounts
it at ``/var/run/secrets/azure/wi`` and puts the token at ``token/azure-identity-token``.
Either is emitted on request; both are recognised as already injected, and then only
what is missing (a container's variables or mount) is added.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podwarden.model.edits import Edit

USE_LABEL = "azure.workload.identity/use"
CLIENT_ID = "azure.workload.identity/client-id"
TENANT_ID = "azure.workload.identity/tenant-id"
EXPIRATION = "azure.workload.identity/service-account-token-expiration"
SKIP_CONTAINERS = "azure.workload.identity/skip-containers"

AUDIENCE = "api://AzureADTokenExchange"
PUBLIC_CLOUD_AUTHORITY = "https://login.microsoftonline.com/"
MIN_EXPIRATION, MAX_EXPIRATION, DEFAULT_EXPIRATION = 3600, 86400, 3600

V15_VOLUME = "azure-identity-token"
V15_MOUNT = "/var/run/secrets/azure/tokens"
V15_TOKEN = "azure-identity-token"
V16_PREFIX = "azure-workload-identity-reserved-"
V16_MOUNT = "/var/run/secrets/azure/wi"
V16_TOKEN = "token/azure-identity-token"
LAYOUTS = ("v1.5", "v1.6")

_INT = re.compile(r"^[+-]?[0-9]+$")


class InjectionError(Exception):
    """The pod asks for something invalid (e.g. a token expiration out of range)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """How this webhook injects: layout, default tenant, authority host, audience."""

    layout: str = "v1.6"
    tenant_id: str = ""
    authority_host: str = PUBLIC_CLOUD_AUTHORITY
    audience: str = AUDIENCE


@dataclass(frozen=True, slots=True)
class Layout:
    volume: str
    mount_path: str
    token_path: str

    @property
    def token_file(self) -> str:
        return f"{self.mount_path}/{self.token_path}"


def wants_injection(pod: Mapping[str, Any]) -> bool:
    """The pod carries the label the upstream webhook's objectSelector matches."""
    labels = _meta(pod).get("labels")
    return isinstance(labels, dict) and labels.get(USE_LABEL) == "true"


def service_account_name(pod: Mapping[str, Any]) -> str:
    spec = pod.get("spec")
    name = spec.get("serviceAccountName") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and name else "default"


def volume_name_v16(pod: Mapping[str, Any]) -> str:
    meta = _meta(pod)
    name = meta.get("name") or ""
    if not name:
        name = f"{meta.get('generateName') or ''} (prefix)"
    digest = hashlib.sha256(str(name).encode()).hexdigest()
    return V16_PREFIX + digest[: 63 - len(V16_PREFIX)]


def layout_for(pod: Mapping[str, Any], version: str) -> Layout:
    if version == "v1.5":
        return Layout(V15_VOLUME, V15_MOUNT, V15_TOKEN)
    return Layout(volume_name_v16(pod), V16_MOUNT, V16_TOKEN)


def existing_layout(pod: Mapping[str, Any]) -> Layout | None:
    """The layout of a token volume already injected (by upstream or by us), if any."""
    spec = _spec(pod)
    for volume in _dicts(spec.get("volumes")):
        name = str(volume.get("name") or "")
        projected = volume.get("projected")
        sources = _dicts(projected.get("sources")) if isinstance(projected, dict) else []
        paths = {
            src["serviceAccountToken"].get("path")
            for src in sources if isinstance(src.get("serviceAccountToken"), dict)
        }
        if V16_TOKEN in paths or (name.startswith(V16_PREFIX) and projected is not None):
            return Layout(name, V16_MOUNT, V16_TOKEN)
        if V15_TOKEN in paths or (name == V15_VOLUME and projected is not None):
            return Layout(name, V15_MOUNT, V15_TOKEN)
    return None


def token_expiration(pod: Mapping[str, Any], sa_annotations: Mapping[str, str]) -> int:
    """Seconds for the projected token: pod annotation, else the ServiceAccount's, else 3600."""
    pod_annotations = _meta(pod).get("annotations")
    text = ""
    if isinstance(pod_annotations, dict) and pod_annotations.get(EXPIRATION):
        text = str(pod_annotations[EXPIRATION])
    elif sa_annotations.get(EXPIRATION):
        text = sa_annotations[EXPIRATION]
    if not text:
        return DEFAULT_EXPIRATION
    if not _INT.match(text):
        raise InjectionError(f"{EXPIRATION} {text!r} is not an integer")
    seconds = int(text)
    if not MIN_EXPIRATION <= seconds <= MAX_EXPIRATION:
        raise InjectionError(
            f"token expiration {seconds} not valid: expected a value between {MIN_EXPIRATION} and {MAX_EXPIRATION}"
        )
    return seconds


def edits(
    pod: Mapping[str, Any], sa_annotations: Mapping[str, str] | None, settings: Settings
) -> list[Edit]:
    """The edits that inject workload identity into ``pod`` (a Pod object); [] when done.

    ``sa_annotations`` None means the ServiceAccount could not be read: client and
    tenant ids then come only from the webhook's settings.
    """
    annotations = dict(sa_annotations or {})
    expiration = token_expiration(pod, annotations)
    spec = _spec(pod)
    pod_annotations = _meta(pod).get("annotations")
    skip_text = pod_annotations.get(SKIP_CONTAINERS, "") if isinstance(pod_annotations, dict) else ""
    skip = {name.strip() for name in str(skip_text).split(";")} if skip_text else set()

    layout = existing_layout(pod)
    out: list[Edit] = []
    if layout is None:
        layout = layout_for(pod, settings.layout)
        out.append(Edit.add(("spec", "volumes"), {
            "name": layout.volume,
            "projected": {"sources": [{"serviceAccountToken": {
                "path": layout.token_path,
                "expirationSeconds": expiration,
                "audience": settings.audience,
            }}]},
        }))
    tenant = annotations.get(TENANT_ID, settings.tenant_id)
    wanted = [
        ("AZURE_CLIENT_ID", annotations.get(CLIENT_ID, "")),
        ("AZURE_TENANT_ID", tenant),
        ("AZURE_FEDERATED_TOKEN_FILE", layout.token_file),
        ("AZURE_AUTHORITY_HOST", settings.authority_host),
    ]
    mount = {"name": layout.volume, "mountPath": layout.mount_path, "readOnly": True}
    for list_name in ("initContainers", "containers"):  # never ephemeralContainers
        for index, container in enumerate(_dicts(spec.get(list_name))):
            if container.get("name") in skip:
                continue
            base = ("spec", list_name, index)
            present = {e.get("name") for e in _dicts(container.get("env"))}
            for name, value in wanted:
                if value and name not in present:
                    out.append(Edit.add((*base, "env"), {"name": name, "value": value}))
            mounts = _dicts(container.get("volumeMounts"))
            if not any(m.get("name") == layout.volume for m in mounts):
                out.append(Edit.add((*base, "volumeMounts"), dict(mount)))
    return out


def _meta(pod: Mapping[str, Any]) -> dict[str, Any]:
    meta = pod.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _spec(pod: Mapping[str, Any]) -> dict[str, Any]:
    spec = pod.get("spec")
    return spec if isinstance(spec, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
