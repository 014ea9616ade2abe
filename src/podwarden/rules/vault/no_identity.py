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

RULE = rule("vault/no-identity", severity=Severity.MEDIUM, uses_index=True)

DRIVER = "secrets-store.csi.k8s.io"
MODES = ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    for volume in pod.volumes():
        csi = volume.map("csi")
        name = (csi.map("volumeAttributes").str("secretProviderClass") or "").strip()
        if csi.raw("driver") != DRIVER or not name or csi.has("nodePublishSecretRef"):
            continue
        entry = ctx.index.lookup("SecretProviderClass", pod.obj, name)
        if entry is None:
            continue
        spec = entry.obj.root.map("spec")
        params = spec.str_map("parameters")
        if spec.raw("provider") != "azure" or params.get("clientID", "").strip():
            continue
        if not any(params.get(m, "").strip() in TRUE for m in MODES):
            yield Violation(csi.map("volumeAttributes").at("secretProviderClass"),
                            f'SecretProviderClass "{name}" sets no identity (clientID or a mode) '
                            "and the volume no nodePublishSecretRef: the mount fails")
