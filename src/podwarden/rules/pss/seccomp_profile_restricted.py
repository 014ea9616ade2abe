"""Seccomp profile missing or unconfined.

## What it checks
Every container runs under seccomp type `RuntimeDefault` or `Localhost`, set on the
container or inherited from the pod; any explicit type, pod or container, is one of those
two (Pod Security Standards, restricted, from v1.19; replaces the baseline seccomp rule).
From v1.25 Windows pods are exempt.

## Why
AKS guide: seccomp limits the system calls a container may make. Without a profile the
container runs unconfined on most runtimes.

## Fix
Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (safe: the runtime's
default profile only blocks calls containers should not make). The fixer does so when the
pod sets no seccomp type; replacing an explicit `Unconfined` (pod or container) is left to
`--unsafe`, since someone chose it.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, Level, PodView, Severity, Violation, rule

RULE = rule("pss/seccomp-profile-restricted", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="seccompProfile_restricted", reason="seccompProfile", hazard="seccomp")

ALLOWED_TYPES = ("RuntimeDefault", "Localhost")


@RULE.check(since="1.19", overrides=("pss/seccomp-profile-baseline",))
def check_v1_19(pod: PodView) -> Iterator[Violation]:
    pod_profile = pod.security_context.map_if_set("seccompProfile")
    pod_ok = False
    if pod_profile is not None:
        kind = pod_profile.str("type") or ""
        if kind in ALLOWED_TYPES:
            pod_ok = True
        else:
            yield Violation(pod_profile.at("type"), f'pod must not set seccompProfile.type="{kind}"')
    for c in pod.containers():
        sc = c.security_context
        profile = sc.map_if_set("seccompProfile")
        if profile is not None:
            kind = profile.str("type") or ""
            if kind not in ALLOWED_TYPES:
                yield Violation(profile.at("type"),
                                f'{c.describe()} must not set seccompProfile.type="{kind}"')
        elif not pod_ok:
            yield Violation((*sc.at("seccompProfile"), "type"),
                            f"{c.describe()} must set seccompProfile.type to RuntimeDefault or "
                            "Localhost (here or at pod level)")


@RULE.check(since="1.25", overrides=("pss/seccomp-profile-baseline",))
def check_v1_25(pod: PodView) -> Iterator[Violation]:
    if not pod.is_windows:
        yield from check_v1_19(pod)


@RULE.fix(safe=True, unsafe_reason="an explicit seccomp type other than RuntimeDefault or "
          "Localhost was chosen by someone; the workload may need the system calls it allows")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    unsafe = bool(ctx.fix_options.get("unsafe"))
    pod_profile = pod.security_context.map("seccompProfile")
    pod_type = pod_profile.str("type") or ""
    if v.path == pod_profile.at("type"):
        if not pod_type or unsafe:
            yield Edit.set(v.path, "RuntimeDefault")
        return
    for c in pod.containers():
        profile = c.security_context.map("seccompProfile")
        if v.path != profile.at("type"):
            continue
        if profile.present:  # the container's own type: empty, or chosen by someone
            if not profile.str("type") or unsafe:
                yield Edit.set(v.path, "RuntimeDefault")
        elif not pod_type or unsafe:  # inherit it from the pod
            yield Edit.set(pod_profile.at("type"), "RuntimeDefault")
