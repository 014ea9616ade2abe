"""Host namespaces shared with the pod.

## What it checks
The pod does not set `hostNetwork`, `hostPID` or `hostIPC` to `true` (Pod Security
Standards, baseline, every version).

## Why
AKS guide, security context: limit the pod's access to the node's processes and services.
Sharing the host's network, process or IPC namespace lets the pod see and reach what runs
on the node.

## Fix
Remove these fields or set them to `false`. Expose the application through a Service.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/host-namespaces", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="hostNamespaces", reason="host namespaces")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.bool(key):
            yield Violation(pod.spec.at(key), f"pod must not set {key}=true")
