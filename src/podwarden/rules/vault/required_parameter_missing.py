"""Key Vault SecretProviderClass missing a required parameter.

## What it checks
A SecretProviderClass with `spec.provider: azure` sets, non-empty, `keyvaultName`, the
tenant (`tenantID` or `tenantId`) and `objects` in `spec.parameters`. A misspelt tenant
key is left to `vault/tenant-id-misspelled`.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver. The provider refuses the
mount with "keyvaultName is not provided", "tenantId is not provided" or "objects is not
set" (source: Azure/secrets-store-csi-driver-provider-azure, pkg/provider/provider.go
`GetSecretsStoreObjectContent`). Nothing checks this when the SecretProviderClass is
applied: it surfaces only as a pod stuck in ContainerCreating.

## Fix
Add the missing parameter: the vault's name, the Entra tenant id, and the list of
objects to fetch.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/required-parameter-missing", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    node = spec.map("parameters")
    params = spec.str_map("parameters")
    for key in ("keyvaultName", "objects"):
        if not params.get(key, "").strip():
            yield Violation(node.at(key), f"parameter {key} is required by the azure provider")
    tenant = params.get("tenantID", "").strip() or params.get("tenantId", "").strip()
    misspelt = any(_norm(k) == "tenantid" and k not in ("tenantID", "tenantId") for k in params)
    if not tenant and not misspelt:
        yield Violation(node.at("tenantID"), "parameter tenantID is required by the azure provider")
