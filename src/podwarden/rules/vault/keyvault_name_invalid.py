"""Key Vault name the provider rejects.

## What it checks
A SecretProviderClass with `spec.provider: azure` whose `keyvaultName` (whitespace
trimmed) is not 3 to 24 characters of letters, digits and `-`. A URL or a resource id is
the usual mistake.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver. The provider builds the
vault URL from the bare name and refuses anything else ("Invalid vault name"; source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/provider.go `getVaultURL`),
at mount time, so the pod never starts.

## Fix
Use the vault's name only, e.g. `kv-payments-prod`, not `https://kv-payments-prod.vault.azure.net/`.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters

RULE = rule("vault/keyvault-name-invalid", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))

NAME = r"^[-a-zA-Z0-9]{3,24}$"  # compiled by re when first used


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    value = params.get("keyvaultName", "").strip()
    if value and not re.match(NAME, value):
        yield Violation(node.at("keyvaultName"),
                        "keyvaultName must be the vault's name: 3-24 letters, digits or '-'")
