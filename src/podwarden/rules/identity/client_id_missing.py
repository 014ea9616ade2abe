"""Workload identity pod whose ServiceAccount has no client id.

## What it checks
A pod labelled `azure.workload.identity/use: "true"` whose ServiceAccount (found in the
input or `--context`; `default` when none is named) has no non-empty
`azure.workload.identity/client-id` annotation. Not reported when every container the
webhook mutates already sets `AZURE_CLIENT_ID` itself, nor when the ServiceAccount
carries a misspelling of the key (`identity/annotation-key-misspelled` says so).

## Why
AKS guide, Microsoft Entra Workload ID: the Entra token exchange needs the client id of
the application or managed identity. The webhook copies it from this annotation into
`AZURE_CLIENT_ID` and, when it is absent or empty, simply adds no variable (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go `getClientID` and
`addEnvironmentVariables`): no error at admission, an authentication failure at runtime.

## Fix
Annotate the ServiceAccount with `azure.workload.identity/client-id: <client id GUID>` of
the identity whose federated credential names `system:serviceaccount:<ns>:<name>`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import CLIENT_ID, SKIP_CONTAINERS, USE, norm, opted_in

RULE = rule("identity/client-id-missing", severity=Severity.MEDIUM, uses_index=True)


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None or not opted_in(pod):
        return
    name, entry = ctx.index.service_account_of(pod)
    if entry is None:
        return
    annotations = entry.obj.annotations
    if annotations.get(CLIENT_ID, ""):
        return
    if any(norm(k) == norm(CLIENT_ID) and k != CLIENT_ID for k in annotations):
        return
    skipped = {s.strip() for s in pod.annotations.get(SKIP_CONTAINERS, "").split(";")}
    mutated = [c for c in pod.containers()
               if c.list_name != "ephemeralContainers" and c.name not in skipped]
    if mutated and all(any(e.raw("name") == "AZURE_CLIENT_ID" for e in c.node.maps("env"))
                       for c in mutated):
        return
    yield Violation((*pod.metadata.path, "labels", USE),
                    f'service account "{name}" has no {CLIENT_ID} annotation: AZURE_CLIENT_ID '
                    "is not injected")
