"""Privilege escalation allowed.

## What it checks
Every container, init container and ephemeral container sets
`securityContext.allowPrivilegeEscalation: false` explicitly (Pod Security Standards,
restricted, from v1.8). From v1.25 Windows pods (`spec.os.name: windows`) are exempt.

## Why
AKS guide, security context: `allowPrivilegeEscalation` says whether a process can gain
more privilege than its parent (setuid binaries, file capabilities); design applications
so that it is always false.

## Fix
Set `allowPrivilegeEscalation: false` in each container's securityContext (safe: the
application's behaviour does not change unless it relies on setuid).
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/allow-privilege-escalation", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="allowPrivilegeEscalation", reason="allowPrivilegeEscalation != false")


@RULE.check(since="1.8")
def check_v1_8(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        sc = c.security_context
        if sc.bool("allowPrivilegeEscalation") is not False:
            yield Violation(sc.at("allowPrivilegeEscalation"),
                            f"{c.describe()} must set allowPrivilegeEscalation=false")


@RULE.check(since="1.25")  # spec.os.name=windows is exempt
def check_v1_25(pod: PodView) -> Iterator[Violation]:
    if not pod.is_windows:
        yield from check_v1_8(pod)
