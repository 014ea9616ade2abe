"""Workload identity ServiceAccount not in the input.

## What it checks
A pod that needs its ServiceAccount's identity — labelled
`azure.workload.identity/use: "true"`, or mounting a SecretProviderClass (found in the
input) in workload identity mode (`clientID` set, no other identity mode) — whose
ServiceAccount (`spec.serviceAccountName`, legacy `spec.serviceAccount`, else `default`,
in the pod's namespace, else `default`) is neither in the input nor in `--context`.
Low severity: it may well exist in the cluster.

## Why
AKS guide, Microsoft Entra Workload ID: the client id the pod authenticates as lives on
the ServiceAccount, and the webhook fails the pod's admission when the ServiceAccount
does not exist (source: Azure/azure-workload-identity, pkg/webhook/webhook.go, service
account lookup in `Handle`). Without it podwarden cannot check the client id, tenant id
or token settings, and says so rather than guess.

## Fix
Add the ServiceAccount to the manifests, or pass the file that defines it with
`podwarden check --context PATH`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import CSI_DRIVER, opted_in

RULE = rule("identity/service-account-not-found", severity=Severity.LOW, uses_index=True,
            static_only=True)

MODE_FLAGS = ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def _uses_wi_vault(pod: PodView, ctx: Context) -> bool:
    assert ctx.index is not None
    for volume in pod.volumes():
        csi = volume.map_if_set("csi")
        if csi is None or csi.raw("driver") != CSI_DRIVER:
            continue
        name = csi.map("volumeAttributes").raw("secretProviderClass")
        entry = ctx.index.lookup("SecretProviderClass", pod.obj, name) if isinstance(name, str) else None
        if entry is None:
            continue
        params = entry.obj.root.map("spec").map("parameters").data
        flags = [str(params.get(f, "")).strip() for f in MODE_FLAGS]
        if str(params.get("clientID", "")).strip() and not any(f in TRUE for f in flags):
            return True
    return False


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    if not opted_in(pod) and not _uses_wi_vault(pod, ctx):
        return
    name, entry = ctx.index.service_account_of(pod)
    if entry is None:
        namespace = pod.obj.ref.namespace or "default"
        key = "serviceAccountName" if pod.spec.has("serviceAccountName") or not pod.spec.has(
            "serviceAccount") else "serviceAccount"
        yield Violation(pod.spec.at(key), f'service account "{name}" of namespace "{namespace}" is '
                        "not in the input: pass it with --context to check its identity")
