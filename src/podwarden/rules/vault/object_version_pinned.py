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

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, entries

RULE = rule("vault/object-version-pinned", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    for i, entry in enumerate(entries(params)):
        history = entry.get("objectVersionHistory", "")
        if entry.get("objectVersion") and not (history.isdigit() and int(history) > 1):
            yield Violation(node.at("objects"),
                            f'objects entry {i} ("{entry.get("objectName", "")}") pins objectVersion: '
                            "rotated values never reach the pod")
