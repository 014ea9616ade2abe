"""Key Vault object written outside its mount.

## What it checks
Each object of the `objects` parameter (SecretProviderClass, `spec.provider: azure`)
writes to a relative file name: its `objectAlias` (else its `objectName`) is not
absolute and contains no `..` anywhere (`../x`, `a/../b`, even `tls..crt`).

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: secret content is delivered
only into the requesting pod's volume. A path that climbs out of it is what a path
traversal looks like; the provider refuses it and fails the mount ("file name must be a
relative path", "file name must not contain '..'"; source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/validate.go
`validateFileName`, mirroring Kubernetes' own path checks).

## Fix
Use a plain file name (`db-password`) or a relative path below the mount (`tls/tls.crt`);
choose the directory with the container's `volumeMounts[].mountPath`.
"""

from collections.abc import Iterator
from typing import Any

import yaml

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/object-alias-unsafe", severity=Severity.HIGH, target="object",
            kinds=("SecretProviderClass",))

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def entries(text: str) -> list[dict[str, str]]:
    """The Key Vault objects of an `objects` string, fields as trimmed strings (the provider
    trims them); [] when it does not parse, which vault/objects-unparsable reports."""
    try:
        doc = yaml.load(text, Loader=Loader)
        array = doc.get("array") if isinstance(doc, dict) else None
        out = []
        for item in array if isinstance(array, list) else []:
            entry = yaml.load(item, Loader=Loader) if isinstance(item, str) else None
            if isinstance(entry, dict):
                out.append({str(k): "" if v is None else str(v).strip() for k, v in entry.items()})
        return out
    except yaml.YAMLError:
        return []


def unsafe(name: str) -> bool:
    """Absolute (POSIX or Windows) or containing '..'."""
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in name


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    for i, entry in enumerate(entries(spec.str_map("parameters").get("objects", ""))):
        key = "objectAlias" if entry.get("objectAlias") else "objectName"
        if unsafe(entry.get(key, "")):
            yield Violation(spec.map("parameters").at("objects"),
                            f'objects entry {i}: {key} "{entry[key]}" must be a relative path '
                            "without '..'")
