"""Workload identity proxy sidecar requested for a host-network pod.

## What it checks
A pod labelled `azure.workload.identity/use: "true"` with the annotation
`azure.workload.identity/inject-proxy-sidecar` and `spec.hostNetwork: true`.

## Why
AKS guide, Microsoft Entra Workload ID: the proxy redirects the pod's traffic to the
instance metadata endpoint with iptables rules; on the host network it would rewrite the
node's networking, so the webhook refuses the request with an error (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go, "hostNetwork is set to true,
cannot inject proxy sidecar"). With `failurePolicy: Fail` the pod is never created.

## Fix
Drop `hostNetwork` (and the node access it gives) or the proxy annotation; prefer an Azure
Identity library that reads the federated token file directly.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import INJECT_PROXY, opted_in

RULE = rule("identity/proxy-sidecar-host-network", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if opted_in(pod) and INJECT_PROXY in pod.annotations and pod.spec.bool("hostNetwork"):
        yield Violation(pod.spec.at("hostNetwork"),
                        f"{INJECT_PROXY} with hostNetwork=true: the webhook rejects the pod")
