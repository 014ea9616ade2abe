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
from podwarden.rules.vault._spc import KIND, spc_refs

RULE = rule("vault/secret-provider-class-not-found", severity=Severity.LOW, uses_index=True,
            static_only=True)


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    for ref in spc_refs(pod):
        if ctx.index.lookup(KIND, pod.obj, ref.name) is None and not ctx.index.elsewhere(KIND, pod.obj, ref.name):
            yield Violation(ref.path, f'SecretProviderClass "{ref.name}" is not in the input: pass it '
                            "with --context to check it")
