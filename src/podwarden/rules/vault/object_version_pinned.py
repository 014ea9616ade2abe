"""Key Vault object pinned to one version.

## What it checks
Each object of the `objects` parameter (SecretProviderClass, `spec.provider: azure`) leaves
`objectVersion` empty, i.e. follows the latest version. Objects that ask for a version
history (`objectVersionHistory` > 1) are left alone.

## Why
AKS guide, Azure Key Vault: store credentials in the vault and rotate them regularly.
With a pinned version the provider fetches that version forever (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/types/types.go
`KeyVaultObject.ObjectVersion`, pkg/provider/provider.go `getSecret`): a rotated or
revoked secret keeps being served to the pod, and auto-rotation has nothing to pick up.

## Fix
Remove `objectVersion` (or set it to `""`) so the latest version is mounted, and enable
rotation in the Secrets Store CSI driver.
"""

from collections.abc import Iterator
from typing import Any

import yaml

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/object-version-pinned", severity=Severity.MEDIUM, target="object",
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


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    for i, entry in enumerate(entries(spec.str_map("parameters").get("objects", ""))):
        history = entry.get("objectVersionHistory", "")
        if entry.get("objectVersion") and not (history.isdigit() and int(history) > 1):
            yield Violation(spec.map("parameters").at("objects"),
                            f'objects entry {i} ("{entry.get("objectName", "")}") pins objectVersion: '
                            "rotated values never reach the pod")
