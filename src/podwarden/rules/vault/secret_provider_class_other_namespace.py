"""SecretProviderClass in another namespace than the pod.

## What it checks
A pod volume with `csi.driver: secrets-store.csi.k8s.io` names a SecretProviderClass that
the input holds only in other namespaces than the pod's (objects written without a
namespace match any namespace).

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: secrets are delivered only
to the requesting pod, and the driver looks the SecretProviderClass up in that pod's
namespace only (source: kubernetes-sigs/secrets-store-csi-driver,
pkg/secrets-store/utils.go `getSecretProviderItem`, called with the pod namespace from
nodeserver.go). The mount fails and the pod never starts.

## Fix
Create the SecretProviderClass in the pod's namespace (one per namespace that needs it).
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import KIND, spc_refs

RULE = rule("vault/secret-provider-class-other-namespace", severity=Severity.MEDIUM, uses_index=True)


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    for ref in spc_refs(pod):
        others = ctx.index.elsewhere(KIND, pod.obj, ref.name)
        if others:
            where = ", ".join(sorted({f'"{e.obj.ref.namespace}"' for e in others}))
            yield Violation(ref.path, f'SecretProviderClass "{ref.name}" is in namespace {where}, not '
                            f'in the pod\'s "{pod.obj.ref.namespace or "default"}"')
