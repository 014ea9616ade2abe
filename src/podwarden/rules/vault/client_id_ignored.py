"""Key Vault clientID ignored by a node-level identity mode.

## What it checks
A SecretProviderClass with `spec.provider: azure` that sets `clientID` while
`usePodIdentity` or `useVMManagedIdentity` is true (and no other mode: then
`vault/identity-mode-invalid` reports the conflict).

## Why
AKS guide, Microsoft Entra Workload ID and Key Vault. In those modes the provider never
reads `clientID` (source: Azure/secrets-store-csi-driver-provider-azure,
pkg/auth/auth.go `NewConfig`, `GetCredential`): the node's or AAD Pod Identity's identity
is used instead, usually failing with "Identity not found" and, when it works, sharing
access with every pod on the node (issues #991, #1356 of that project).

## Fix
For workload identity, remove `usePodIdentity` / `useVMManagedIdentity` (and
`userAssignedIdentityID`) and keep `clientID`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, client_id, single_mode

RULE = rule("vault/client-id-ignored", severity=Severity.HIGH, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    mode = single_mode(params)
    if client_id(params) and mode in ("usePodIdentity", "useVMManagedIdentity"):
        yield Violation(node.at("clientID"),
                        f"clientID is ignored because {mode} is true: the provider uses "
                        "another identity")
