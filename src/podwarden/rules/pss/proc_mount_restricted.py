"""Unmasked /proc mount, even in a user namespace.

## What it checks
From v1.35 at restricted, no container sets `securityContext.procMount` to anything but
`Default`, whatever `hostUsers` says (Pod Security Standards, restricted; replaces the
baseline procMount rule, which exempts user-namespaced pods).

## Why
AKS guide, security context: limit access to node processes; the restricted level keeps
/proc masked even for pods in their own user namespace.

## Fix
Remove `procMount` or set it to `Default`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/proc-mount-restricted", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="procMount_restricted", reason="procMount")


@RULE.check(since="1.35", overrides=("pss/proc-mount",))
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        sc = c.security_context
        value = sc.str("procMount")
        if value is not None and value != "Default":
            yield Violation(sc.at("procMount"), f'{c.describe()} must not set procMount="{value}"')
