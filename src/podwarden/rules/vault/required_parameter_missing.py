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

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, has_tenant, misspelt_tenant_keys

RULE = rule("vault/required-parameter-missing", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    for key in ("keyvaultName", "objects"):
        if not params.get(key, "").strip():
            yield Violation(node.at(key), f"parameter {key} is required by the azure provider")
    if not has_tenant(params) and not misspelt_tenant_keys(params):  # misspelt: vault/tenant-id-misspelled
        yield Violation(node.at("tenantID"), "parameter tenantID is required by the azure provider")
