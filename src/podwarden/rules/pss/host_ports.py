"""Host ports.

## What it checks
No container port sets a `hostPort` other than 0 (Pod Security Standards, baseline,
every version).

## Why
AKS guide, security context: limit access to the node's services. A host port binds on
the node's own address, bypassing Services and network policies.

## Fix
Remove `hostPort`; expose the port with a Service (the guide: port 80 to targetPort 8080).
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/host-ports", severity=Severity.MEDIUM, pss=Level.BASELINE,
            upstream_id="hostPorts", reason="hostPort")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        for port in c.node.maps("ports"):
            host_port = port.int("hostPort")
            if host_port:
                yield Violation(port.at("hostPort"),
                                f"{c.describe()} must not use hostPort {host_port}")
