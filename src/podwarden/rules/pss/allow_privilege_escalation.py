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
application's behaviour does not change unless it relies on setuid). The fixer sets it
where it is unset; an explicit `true` is replaced only with `--unsafe`. Privileged
containers and containers adding `SYS_ADMIN` are left alone: Kubernetes rejects
`allowPrivilegeEscalation: false` beside either.
"""

from collections.abc import Iterator

from podwarden.rules.api import ContainerView, Context, Edit, Level, PodView, Severity, Violation, rule

RULE = rule("pss/allow-privilege-escalation", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="allowPrivilegeEscalation", reason="allowPrivilegeEscalation != false", hazard="privilege-escalation")


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


def _conflicts(c: ContainerView) -> bool:
    """Kubernetes refuses allowPrivilegeEscalation=false beside privileged or SYS_ADMIN."""
    sc = c.security_context
    adds = {cap.strip().upper().removeprefix("CAP_") for cap in sc.map("capabilities").strs("add")}
    return sc.bool("privileged") is True or "SYS_ADMIN" in adds


@RULE.fix(safe=True, unsafe_reason="a container that sets allowPrivilegeEscalation=true may "
          "rely on setuid binaries")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    for c in pod.containers():
        if v.path != c.security_context.at("allowPrivilegeEscalation") or _conflicts(c):
            continue
        if c.security_context.bool("allowPrivilegeEscalation") is None or ctx.fix_options.get("unsafe"):
            yield Edit.set(v.path, False)
