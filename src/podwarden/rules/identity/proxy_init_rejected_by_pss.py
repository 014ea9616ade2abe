"""Workload identity proxy sidecar in a namespace whose Pod Security forbids it.

## What it checks
A pod labelled `azure.workload.identity/use: "true"` that carries the annotation
`azure.workload.identity/inject-proxy-sidecar` (its presence is what counts, whatever the
value), in a Namespace whose label `pod-security.kubernetes.io/enforce` is `baseline` or
`restricted`. When the Namespace is not among the input or `--context` objects, a
low-severity finding says that it could not be checked.

## Why
AKS guide, security context and least privilege. For this annotation the webhook adds an
init container `azwi-proxy-init` that runs privileged, as user 0, with `NET_ADMIN` (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go `shouldInjectProxySidecar`,
`injectProxyInitContainer`). Pod Security admission runs after mutating webhooks, so in a
baseline or restricted namespace the mutated pod is rejected; elsewhere the pod gains a
privileged root container the guide asks to avoid.

## Fix
Remove the annotation and move the application to an Azure Identity library that reads
`AZURE_FEDERATED_TOKEN_FILE` (the proxy exists only for legacy ADAL/MSI clients).
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import INJECT_PROXY, opted_in

RULE = rule("identity/proxy-init-rejected-by-pss", severity=Severity.HIGH, uses_index=True)

ENFORCE = "pod-security.kubernetes.io/enforce"


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None or not opted_in(pod) or INJECT_PROXY not in pod.annotations:
        return
    path = (*pod.metadata.path, "annotations", INJECT_PROXY)
    entry = ctx.index.namespace_entry(pod.obj)
    namespace = pod.obj.ref.namespace or "default"
    if entry is None:
        yield Violation(path, f'namespace "{namespace}" is not in the input: cannot tell whether '
                        "its pod security admission rejects the privileged azwi-proxy-init container",
                        severity=Severity.LOW)
        return
    level = entry.obj.labels.get(ENFORCE, "")
    if level in ("baseline", "restricted"):
        yield Violation(path, f'namespace "{namespace}" enforces {level}: the privileged root '
                        "azwi-proxy-init container this injects makes the pod be rejected")
