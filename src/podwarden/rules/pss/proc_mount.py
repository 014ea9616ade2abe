"""Unmasked /proc mount.

## What it checks
No container sets `securityContext.procMount` to anything but `Default` (Pod Security
Standards, baseline). From v1.35 a pod in its own user namespace (`hostUsers: false`) may.

## Why
AKS guide, security context: limit access to node processes. An unmasked /proc exposes
kernel interfaces that the default mount hides.

## Fix
Remove `procMount` or set it to `Default`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/proc-mount", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="procMount", reason="procMount")


@RULE.check(since="1.0")
def check_v1_0(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        sc = c.security_context
        value = sc.str("procMount")
        if value is not None and value != "Default":
            yield Violation(sc.at("procMount"), f'{c.describe()} must not set procMount="{value}"')


@RULE.check(since="1.35")  # user-namespaced pods are exempt
def check_v1_35(pod: PodView) -> Iterator[Violation]:
    if not pod.host_users_false:
        yield from check_v1_0(pod)
