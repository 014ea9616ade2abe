"""Key Vault secret synced into a Kubernetes Secret.

## What it checks
A SecretProviderClass (any provider) with entries in `spec.secretObjects`.

## Why
AKS guide, Azure Key Vault: secrets are delivered *only to the requesting pod*. Synced
objects are copied into Kubernetes Secrets while some pod mounts the volume (source:
kubernetes-sigs/secrets-store-csi-driver, docs "Sync as Kubernetes Secret";
Azure/secrets-store-csi-driver-provider-azure, website/content/en/configurations/
sync-with-k8s-secrets.md): the value then also lives in etcd, is readable by anyone with
`get secrets` in the namespace, and is usually consumed as environment variables that do
not follow rotation until the pod restarts.

## Fix
Read the files of the CSI mount instead (`volumeMounts[].mountPath`), and drop
`secretObjects`. Where a Secret is unavoidable (an Ingress TLS certificate), keep it and
accept the finding with `podwarden.io/ignore` and a reason.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/secret-sync", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    for item in spec.maps("secretObjects"):
        name = item.str("secretName") or ""
        yield Violation(item.path, f'secretObjects copies Key Vault content into Secret "{name}": '
                        "mount the files instead")
