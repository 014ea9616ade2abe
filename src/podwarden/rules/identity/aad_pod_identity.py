"""Deprecated AAD Pod Identity in use.

## What it checks
Pod templates labelled `aadpodidbinding`, and objects of the AAD Pod Identity API
(`aadpodidentity.k8s.io`): `AzureIdentity`, `AzureIdentityBinding`,
`AzurePodIdentityException`, `AzureAssignedIdentity`.

## Why
AKS guide, Microsoft Entra Workload ID replaces pod-managed identity. AAD Pod Identity is
deprecated upstream (source: Azure/aad-pod-identity README announcement; the Key Vault
provider marks its pod identity mode DEPRECATED in
Azure/secrets-store-csi-driver-provider-azure website/content/en/configurations/
identity-access-modes/_index.md). Its node agent (NMI) intercepts every pod's calls to the
instance metadata endpoint from the host network, so a flaw or a missing exception
exposes identities across pods.

## Fix
Migrate to workload identity: enable the OIDC issuer and workload identity on the
cluster, create a federated credential on the same managed identity for
`system:serviceaccount:<ns>:<sa>`, annotate the ServiceAccount with
`azure.workload.identity/client-id`, label the pod template `azure.workload.identity/use:
"true"`, then remove the `aadpodidbinding` label and the AzureIdentity/Binding objects.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("identity/aad-pod-identity", severity=Severity.MEDIUM, target="object")

LABEL = "aadpodidbinding"
GROUP = "aadpodidentity.k8s.io"
KINDS = frozenset({"AzureIdentity", "AzureIdentityBinding", "AzurePodIdentityException",
                   "AzureAssignedIdentity"})


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    if obj.kind in KINDS and obj.ref.api_version.partition("/")[0] == GROUP:
        yield Violation(("kind",), f"{obj.kind} belongs to deprecated AAD Pod Identity: "
                        "migrate to Microsoft Entra Workload ID")
        return
    pod = obj.pod
    if pod is not None and LABEL in pod.labels:
        yield Violation((*pod.metadata.path, "labels", LABEL),
                        f"label {LABEL} selects deprecated AAD Pod Identity: migrate to "
                        "Microsoft Entra Workload ID")
