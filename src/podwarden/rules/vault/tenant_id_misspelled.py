"""Key Vault tenant parameter misspelt.

## What it checks
A SecretProviderClass with `spec.provider: azure` whose `spec.parameters` has a key that
reads as the tenant id with other case or punctuation (`tenantid`, `TenantID`,
`tenant_id`, `tenant-id`) while neither `tenantID` nor `tenantId` is set.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver. The provider reads only
`tenantID`, then `tenantId` (the spelling older docs use; both work), and fails the mount
with "tenantId is not provided" otherwise (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/types/parameters.go
`GetTenantID`, pkg/provider/provider.go). The misspelt key looks right in review and is
silently ignored.

## Fix
Rename the key to `tenantID`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, has_tenant, misspelt_tenant_keys

RULE = rule("vault/tenant-id-misspelled", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None or has_tenant(found.values):
        return
    for key in misspelt_tenant_keys(found.values):
        yield Violation(found.node.at(key),
                        f'parameter "{key}" is ignored by the azure provider: spell it tenantID')
