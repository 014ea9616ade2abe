"""SecretProviderClass not in the input.

## What it checks
A pod volume with `csi.driver: secrets-store.csi.k8s.io` names a SecretProviderClass
(`volumeAttributes.secretProviderClass`) that exists nowhere in the input or
`--context`. Low severity: it may exist in the cluster; podwarden says it could not check
the provider parameters rather than guess.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: what the pod receives, and
with which identity, is decided by the SecretProviderClass. The driver fails the mount
when it is missing (source: kubernetes-sigs/secrets-store-csi-driver,
pkg/secrets-store/nodeserver.go, `SecretProviderClassNotFound`).

## Fix
Add the SecretProviderClass to the manifests, or pass its file with
`podwarden check --context PATH`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule

RULE = rule("vault/secret-provider-class-not-found", severity=Severity.LOW, uses_index=True,
            static_only=True)

DRIVER = "secrets-store.csi.k8s.io"
KIND = "SecretProviderClass"


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    for volume in pod.volumes():
        csi = volume.map("csi")
        attributes = csi.map("volumeAttributes")
        name = (attributes.str("secretProviderClass") or "").strip()
        if csi.raw("driver") != DRIVER or not name:
            continue
        if ctx.index.lookup(KIND, pod.obj, name) is None and not ctx.index.elsewhere(KIND, pod.obj, name):
            yield Violation(attributes.at("secretProviderClass"),
                            f'SecretProviderClass "{name}" is not in the input: pass it with '
                            "--context to check it")
