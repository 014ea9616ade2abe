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

RULE = rule("vault/client-id-ignored", severity=Severity.HIGH, target="object",
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
    if not params.get("clientID", "").strip():
        return
    for mode in ("usePodIdentity", "useVMManagedIdentity"):
        if flag(params, mode):
            yield Violation(spec.map("parameters").at("clientID"),
                            f"clientID is ignored because {mode} is true: the provider uses "
                            "another identity")
