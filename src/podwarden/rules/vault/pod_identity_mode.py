"""Key Vault access through deprecated AAD Pod Identity.

## What it checks
A SecretProviderClass with `spec.provider: azure` and `usePodIdentity` true (any value Go's
ParseBool reads as true). When `clientID` is also set, `vault/client-id-ignored` reports it
instead; when several modes are on, `vault/identity-mode-invalid` does.

## Why
AKS guide, Microsoft Entra Workload ID replaces pod-managed identity. The provider's pod
identity mode goes through AAD Pod Identity's node agent (NMI, port 2579) and is marked
deprecated upstream (source: Azure/secrets-store-csi-driver-provider-azure,
website/content/en/configurations/identity-access-modes/pod-identity-mode.md;
pkg/provider/types/types.go `PodIdentityNMIPort`).

## Fix
Switch to workload identity: remove `usePodIdentity`, set `clientID` to the managed
identity's client id, federate that identity with the pod's ServiceAccount.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/pod-identity-mode", severity=Severity.MEDIUM, target="object",
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
    if flag(params, "usePodIdentity") and not params.get("clientID", "").strip():
        yield Violation(spec.map("parameters").at("usePodIdentity"),
                        "usePodIdentity relies on deprecated AAD Pod Identity: use workload identity")
