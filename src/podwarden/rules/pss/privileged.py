"""Privileged containers.

## What it checks
No container, init container or ephemeral container sets
`securityContext.privileged: true` (Pod Security Standards, baseline, every version).

## Why
AKS guide, security context: never use the security context to obtain more privilege.
A privileged container has every capability and the host's devices: it is root on the node.

## Fix
Remove `privileged: true` (or set it to `false`). Grant the one capability the
workload needs instead.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/privileged", severity=Severity.CRITICAL, pss=Level.BASELINE,
            upstream_id="privileged", reason="privileged")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        sc = c.security_context
        if sc.bool("privileged"):
            yield Violation(sc.at("privileged"), f"{c.describe()} must not set privileged=true")
