"""Capabilities not dropped, or added beyond NET_BIND_SERVICE.

## What it checks
Every container sets `securityContext.capabilities.drop` containing exactly `ALL`, and
adds no capability other than `NET_BIND_SERVICE` (Pod Security Standards, restricted, from
v1.22; replaces the baseline capability rule). From v1.25 Windows pods are exempt.

## Why
AKS guide, security context: Linux capabilities give a pod access to node processes;
assign the minimum. Dropping ALL leaves only what the container explicitly adds.

## Fix
Add `capabilities: {drop: ["ALL"]}` to every container (keep `add: ["NET_BIND_SERVICE"]`
where a non-root process binds a port below 1024).
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/unrestricted-capabilities", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="capabilities_restricted", reason="unrestricted capabilities")


@RULE.check(since="1.22", overrides=("pss/non-default-capabilities",))
def check_v1_22(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        caps = c.security_context.map("capabilities")
        if "ALL" not in caps.strs("drop"):
            yield Violation(caps.at("drop"), f'{c.describe()} must set capabilities.drop=["ALL"]')
        for i, cap in enumerate(caps.strs("add")):
            if cap != "NET_BIND_SERVICE":
                yield Violation((*caps.at("add"), i),
                                f'{c.describe()} must not add capability "{cap}"')


@RULE.check(since="1.25", overrides=("pss/non-default-capabilities",))
def check_v1_25(pod: PodView) -> Iterator[Violation]:
    if not pod.is_windows:
        yield from check_v1_22(pod)
