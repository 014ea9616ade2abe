"""Privilege escalation not explicitly disabled.

## What it checks
On Linux pods, every container, init container and ephemeral container sets
`securityContext.allowPrivilegeEscalation: false` explicitly, whatever Pod Security
Standards level is selected (Kubernetes' default is `true`). An explicit `true` is high
severity; a missing setting medium, as `pss/allow-privilege-escalation` already reports
it at the restricted level. The field exists only on containers: written in the pod's
securityContext it is ignored (see `hardening/container-field-at-pod-level`). Windows pods
are skipped.

## Why
AKS guide, security context: `allowPrivilegeEscalation` says whether a process can assume
more privilege than its parent (setuid-root binaries, file capabilities); design
applications so that it is always false.

## Fix
Set `allowPrivilegeEscalation: false` in each container's securityContext. The fixer is
safe for containers that leave it unset (only setuid binaries such as `sudo` stop
working) and writes nothing for privileged containers or those adding `SYS_ADMIN`, which
the API server requires to allow escalation; an explicit `true` is only flipped when
unsafe fixes are asked for.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import adds_capability, container_at, is_privileged

RULE = rule("hardening/privilege-escalation", severity=Severity.MEDIUM,
            covered_by=("pss/allow-privilege-escalation",), hazard="privilege-escalation")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for c in pod.containers():
        sc = c.security_context
        value = sc.bool("allowPrivilegeEscalation")
        if value is True:
            yield Violation(sc.at("allowPrivilegeEscalation"),
                            f"{c.describe()} sets allowPrivilegeEscalation=true",
                            severity=Severity.HIGH)
        elif value is None:
            yield Violation(sc.at("allowPrivilegeEscalation"),
                            f"{c.describe()} must set allowPrivilegeEscalation=false explicitly "
                            "(the default allows it)")


@RULE.fix(safe=True)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    c = container_at(pod, v.path)
    if c is None or is_privileged(c) or adds_capability(c, "SYS_ADMIN"):
        return  # the API server rejects allowPrivilegeEscalation=false with either
    if c.security_context.bool("allowPrivilegeEscalation") is True and not ctx.fix_options.get("unsafe"):
        return
    yield Edit.set(v.path, False)
