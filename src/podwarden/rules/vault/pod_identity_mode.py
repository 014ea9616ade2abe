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
from podwarden.rules.vault._spc import azure_parameters, client_id, single_mode

RULE = rule("vault/pod-identity-mode", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is not None and single_mode(found.values) == "usePodIdentity" and not client_id(found.values):
        yield Violation(found.node.at("usePodIdentity"),
                        "usePodIdentity relies on deprecated AAD Pod Identity: use workload identity")
