"""What ``fix --move-secrets`` plans: options, names it may use, what moved, per-file plans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from podwarden.errors import InputError
from podwarden.fix import yamlfile
from podwarden.fix.redact import Redactions
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit
from podwarden.model.paths import FieldPath

CSI_DRIVER = "secrets-store.csi.k8s.io"
SPC_API = "secrets-store.csi.x-k8s.io/v1"
USE_LABEL = "azure.workload.identity/use"
CLIENT_ID = "azure.workload.identity/client-id"
TENANT_ID = "azure.workload.identity/tenant-id"
MOUNT_PATH = "/mnt/secrets-store"
VOLUME_NAME = "secrets-store"

_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
#: Key Vault names: 3-24 letters, digits and hyphens, starting with a letter, ending with
#: a letter or digit, no two hyphens in a row
_VAULT = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")
_DNS_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?")
POD_LISTS = ("containers", "initContainers", "ephemeralContainers")


def valid_guid(value: str) -> bool:
    return _GUID.fullmatch(value) is not None


def valid_vault_name(value: str) -> bool:
    return _VAULT.fullmatch(value) is not None


def valid_object_name(value: str) -> bool:
    """A Kubernetes object name (DNS subdomain)."""
    return _DNS_NAME.fullmatch(value) is not None


def secret_name(*parts: str) -> str:
    """A Key Vault secret name (1-127 letters, digits, hyphens) made of ``parts``."""
    text = "-".join(parts).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = re.sub(r"-{2,}", "-", text)[:120].strip("-")
    return text or "secret"


@dataclass(frozen=True, slots=True)
class Options:
    keyvault: str
    tenant_id: str
    client_id: str
    service_account: str | None = None
    as_env: bool = False


@dataclass(frozen=True, slots=True)
class Moved:
    """One credential moved: where it was and which vault object now holds it."""

    file: str
    object: str
    container: str
    env: str
    secret: str  # fingerprint, never the value
    object_name: str
    spc: str
    #: the env value's field path in the object (``spec.template.spec.containers[0].env[1].value``)
    path: str = ""
    #: the variable the container now reads: ``NAME_FILE`` (a path), or ``NAME`` with ``as_env``
    reads: str = ""


@dataclass(frozen=True, slots=True)
class Left:
    """A credential the move leaves where it is (``check`` still reports it) and what to do."""

    file: str
    line: int
    object: str
    path: str
    rule_id: str
    secret: str  # fingerprint, never the value
    advice: str


@dataclass(slots=True)
class FilePlan(yamlfile.EditedText):
    """One input file: its text and what the move changes in it."""

    path: str
    text: str
    encoding: yamlfile.Encoding
    docs: list[yamlload.Document]
    json: bool
    edits: dict[int, list[Edit]] = field(default_factory=dict)
    new_docs: list[dict[str, Any]] = field(default_factory=list)
    fixed_text: str | None = None


@dataclass(slots=True)
class Plan:
    """The whole move: files to rewrite, what moved, values to upload, errors."""

    files: list[FilePlan] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    #: Key Vault object name -> value: the only place values are kept
    values: dict[str, str] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    skipped: int = 0
    #: synced Kubernetes Secrets (``as_env``), ``namespace/name``
    synced: list[str] = field(default_factory=list)
    #: what to hide in anything printed (``plan.redact(text)``): every credential of the files
    redact: Redactions = field(default_factory=Redactions)
    #: credentials the move cannot move, each with what to do (``check`` keeps reporting them)
    left: list[Left] = field(default_factory=list)

    @property
    def changed(self) -> list[FilePlan]:
        return [f for f in self.files if f.changed]


# -- where things are -----------------------------------------------------------------------


@dataclass(slots=True)
class Loc:
    """An object of the input: its file, document and place in the document."""

    file: FilePlan
    doc: int
    prefix: FieldPath
    data: dict[str, Any]
    new: bool = False


@dataclass(slots=True)
class Spc:
    """A SecretProviderClass the move writes objects to."""

    loc: Loc
    name: str
    namespace: str | None
    entries: list[str]  # the ``objects`` array as strings
    objects_text: str
    added: list[str] = field(default_factory=list)  # object names added by the move
    synced: list[str] = field(default_factory=list)  # object names added to secretObjects

    @property
    def sync_secret(self) -> str:
        return f"{self.name}-sync"


class PodError(Exception):
    """This pod cannot be moved; the message says why (never a value)."""


def namespace_of(data: dict[str, Any]) -> str | None:
    meta = data.get("metadata")
    value = meta.get("namespace") if isinstance(meta, dict) else None
    return str(value) if value else None


def name_of(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    value = meta.get("name") if isinstance(meta, dict) else None
    return str(value) if value else ""


def same(a: Any, b: str) -> bool:
    return isinstance(a, str) and a.strip().lower() == b.strip().lower()


def get_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name
