"""Pod using a workload identity ServiceAccount without opting in.

## What it checks
A pod whose ServiceAccount (`spec.serviceAccountName`, legacy `spec.serviceAccount`,
else `default`; looked up among the input and `--context` objects) carries
`azure.workload.identity/client-id`, while the pod template has no
`azure.workload.identity/use` label at all. Pods that mount a Secrets Store CSI volume
are left alone (the Key Vault provider uses the ServiceAccount token without the label),
and so are cases other identity rules explain (the key written as an annotation, on the
workload, or on the ServiceAccount).

## Why
AKS guide, Microsoft Entra Workload ID. The ServiceAccount is prepared for an identity,
but the webhook only mutates pods labelled `azure.workload.identity/use: "true"` (source:
Azure/azure-workload-identity, chart `objectSelector`; docs/book/src/troubleshooting.md).
Without the label the pod gets no federated token and no `AZURE_*` variables, and its
Azure SDK calls fail at runtime (often noticed first on CronJobs, Azure/AKS#4059).

## Fix
Add `azure.workload.identity/use: "true"` to the pod template's labels, or use a
ServiceAccount without a client id if the pod needs no Azure identity.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import CLIENT_ID, CSI_DRIVER, USE

RULE = rule("identity/use-label-missing", severity=Severity.MEDIUM, uses_index=True)


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None or USE in pod.labels or USE in pod.annotations:
        return
    meta = pod.obj.metadata
    if USE in meta.str_map("labels") or USE in meta.str_map("annotations"):
        return
    if any(v.map("csi").raw("driver") == CSI_DRIVER for v in pod.volumes()):
        return
    name, entry = ctx.index.service_account_of(pod)
    if entry is None:
        return
    sa = entry.obj
    if USE in sa.labels or USE in sa.annotations or not sa.annotations.get(CLIENT_ID, "").strip():
        return
    yield Violation((*pod.metadata.path, "labels"),
                    f'service account "{name}" has {CLIENT_ID} but the pod lacks the label '
                    f'{USE}: "true", so no token is injected')
