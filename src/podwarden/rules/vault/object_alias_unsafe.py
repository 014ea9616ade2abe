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

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, entries

RULE = rule("vault/object-alias-unsafe", severity=Severity.HIGH, target="object",
            kinds=("SecretProviderClass",))


def unsafe(name: str) -> bool:
    """Absolute (POSIX or Windows) or containing '..'."""
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in name


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    for i, entry in enumerate(entries(params)):
        key = "objectAlias" if entry.get("objectAlias") else "objectName"
        if unsafe(entry.get(key, "")):
            yield Violation(node.at("objects"),
                            f'objects entry {i}: {key} "{entry[key]}" must be a relative path '
                            "without '..'")
