"""Key Vault mount with no identity to fetch it.

## What it checks
A pod volume with `csi.driver: secrets-store.csi.k8s.io`, without `nodePublishSecretRef`,
whose SecretProviderClass (found in the input or `--context`, `spec.provider: azure`)
sets no identity: no `clientID` and none of `usePodIdentity`, `useVMManagedIdentity`,
`useAzureTokenProxy`.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: Workload ID is what requests
access to the vault. With no mode, no `clientID` and no service principal Secret the
provider has nothing to authenticate with and fails the mount ("no identity mode is
enabled"; source: Azure/secrets-store-csi-driver-provider-azure, pkg/auth/auth.go
`GetCredential`).

## Fix
Set `clientID` in the SecretProviderClass to the client id of a managed identity
federated with the pod's ServiceAccount (workload identity).
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_spc, client_id, modes_on, spc_refs

RULE = rule("vault/no-identity", severity=Severity.MEDIUM, uses_index=True)


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    for ref in spc_refs(pod):
        if ref.csi.has("nodePublishSecretRef"):
            continue
        params = azure_spc(pod, ctx, ref.name)
        if params is not None and not client_id(params) and not modes_on(params):
            yield Violation(ref.path,
                            f'SecretProviderClass "{ref.name}" sets no identity (clientID or a mode) '
                            "and the volume no nodePublishSecretRef: the mount fails")
