"""Key Vault access with the node's managed identity.

## What it checks
A SecretProviderClass with `spec.provider: azure` and `useVMManagedIdentity` true (any value
Go's ParseBool reads as true), with or without `userAssignedIdentityID`. When `clientID` is
also set, `vault/client-id-ignored` reports it instead; when several modes are on,
`vault/identity-mode-invalid` does.

## Why
AKS guide: the Key Vault provider should deliver secrets *only to the requesting pod*.
In this mode the provider authenticates as the node's (VMSS or kubelet) identity (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/auth/auth.go
`IdentityModeVMManagedIdentity`; website/.../identity-access-modes/user-assigned-msi-mode.md):
every pod on every node with that identity can reach the same vault, through a
SecretProviderClass of its own or the instance metadata endpoint.

## Fix
Use workload identity: a user-assigned identity federated with this workload's
ServiceAccount, its client id in `clientID`, and remove `useVMManagedIdentity` and
`userAssignedIdentityID`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/vm-managed-identity-mode", severity=Severity.HIGH, target="object",
            kinds=("SecretProviderClass",))

TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


MODES = ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")


def flag(params: dict[str, str], key: str) -> bool:
    """A mode flag as the provider reads it (Go ParseBool after trimming)."""
    return params.get(key, "").strip() in TRUE


def conflicting(params: dict[str, str]) -> bool:
    """More than one mode on: the mount fails first (vault/identity-mode-invalid)."""
    return sum(flag(params, m) for m in MODES) > 1


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    params = spec.str_map("parameters")
    if conflicting(params):
        return
    if flag(params, "useVMManagedIdentity") and not params.get("clientID", "").strip():
        yield Violation(spec.map("parameters").at("useVMManagedIdentity"),
                        "useVMManagedIdentity shares the node's identity with every pod on the node")
