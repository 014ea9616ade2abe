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
from podwarden.rules.vault._spc import azure_parameters, client_id, single_mode

RULE = rule("vault/vm-managed-identity-mode", severity=Severity.HIGH, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is not None and single_mode(found.values) == "useVMManagedIdentity" and not client_id(found.values):
        yield Violation(found.node.at("useVMManagedIdentity"),
                        "useVMManagedIdentity shares the node's identity with every pod on the node")
