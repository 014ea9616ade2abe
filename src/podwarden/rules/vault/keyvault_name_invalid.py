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

RULE = rule("vault/keyvault-name-invalid", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))

NAME = re.compile(r"^[-a-zA-Z0-9]{3,24}$")


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    value = spec.str_map("parameters").get("keyvaultName", "").strip()
    if value and not NAME.match(value):
        yield Violation(spec.map("parameters").at("keyvaultName"),
                        "keyvaultName must be the vault's name: 3-24 letters, digits or '-'")
