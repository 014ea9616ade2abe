"""Container registry credential in a manifest.

## What it checks
Every string of every object (Secret values decoded) for registry credentials: Docker
config JSON (`.dockerconfigjson`, `.dockercfg`, or any JSON with `auths`) whose entries
carry an `auth` that decodes to `user:password`, a `password` or an `identitytoken`
(reported once per registry), and Azure Container Registry passwords and tokens in
Microsoft's identifiable form (52 characters with `+ACR` at offset 42). `credHelpers`,
`credsStore` and empty entries are not reported; `imagePullSecrets` only names a Secret.

## Why
AKS guide, limit credential exposure: registry passwords in a manifest let anyone pull
(often push) images. On AKS, attach the registry to the cluster instead.

## Fix
Attach the Azure Container Registry to the cluster (`az aks update --attach-acr`, the
kubelet identity pulls with `AcrPull`) and drop the pull secret; for other registries keep
the credential in Azure Key Vault and sync it with the Secrets Store CSI driver. Rotate
the exposed password or token.
"""

from collections.abc import Iterator
from typing import Any

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import b64decode_text, parse_json

RULE = rule("credentials/container-registry-credential", severity=Severity.HIGH, target="object")

_ACR = lazy(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{42}\+ACR[A-D][A-Za-z0-9]{5}(?![A-Za-z0-9+/])")
_HOST = lazy(r"[^A-Za-z0-9.:_-]")


def _registry(name: str) -> str:
    """The registry host, for messages (scheme, paths and anything odd dropped)."""
    host = name.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    return _HOST.sub("", host)[:100] or "registry"


def _auths(config: Any, key: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        return {}
    auths = config.get("auths")
    if isinstance(auths, dict):
        return auths
    return config if normalise(key) == "dockercfg" else {}


@detector(RULE, markers=("+acr", '"auths"', "dockerconfigjson", "dockercfg"),
          keys=r"dockerconfigjson$|dockercfg$")
def detect(leaf: Leaf) -> Iterator[Hit]:
    text = leaf.text
    for match in _ACR.finditer(text):
        yield Hit(match.group(0), "azure container registry password")
    config = parse_json(text)
    if config is None and normalise(leaf.key) in ("dockerconfigjson", "dockercfg"):
        decoded = b64decode_text(text)
        config = parse_json(decoded) if decoded else None
    for registry, entry in _auths(config, leaf.key).items():
        if not isinstance(entry, dict):
            continue
        secret = ""
        auth = entry.get("auth")
        if isinstance(auth, str) and auth:
            decoded = b64decode_text(auth) or ""
            secret = decoded.partition(":")[2]
        for field in ("password", "identitytoken", "registrytoken"):
            value = entry.get(field)
            if not secret and isinstance(value, str):
                secret = value
        if secret:
            yield Hit(secret, f'registry credentials for "{_registry(str(registry))}"')


check = RULE.check(since="1.0")(check_for(RULE.id))
