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

RULE = rule("vault/token-proxy-without-client-id", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))

TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def flag(params: dict[str, str], key: str) -> bool:
    """A mode flag as the provider reads it (Go ParseBool after trimming)."""
    return params.get(key, "").strip() in TRUE


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    params = spec.str_map("parameters")
    if flag(params, "useAzureTokenProxy") and not params.get("clientID", "").strip():
        yield Violation(spec.map("parameters").at("useAzureTokenProxy"),
                        "useAzureTokenProxy requires clientID")
