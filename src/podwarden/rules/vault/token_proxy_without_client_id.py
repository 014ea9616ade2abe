"""Key Vault identity binding without a clientID.

## What it checks
A SecretProviderClass with `spec.provider: azure` and `useAzureTokenProxy` true must set
`clientID`.

## Why
AKS guide, Microsoft Entra Workload ID: identity binding (the Azure token proxy mode)
exchanges the pod's ServiceAccount token for the identity named by `clientID`; the
provider refuses the mount without it ("clientID is required for identity binding";
source: Azure/secrets-store-csi-driver-provider-azure, pkg/provider/provider.go,
pkg/auth/auth.go `IdentityModeAzureTokenProxy`).

## Fix
Set `clientID` to the client id of the managed identity bound to the workload.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, client_id, flag

RULE = rule("vault/token-proxy-without-client-id", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is not None and flag(found.values, "useAzureTokenProxy") and not client_id(found.values):
        yield Violation(found.node.at("useAzureTokenProxy"), "useAzureTokenProxy requires clientID")
