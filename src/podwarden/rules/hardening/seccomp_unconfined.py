"""Container running without a seccomp profile.

## What it checks
On Linux pods, the seccomp profile in force for every container, init container and
ephemeral container (its own `securityContext.seccompProfile`, else the pod's) has type
`RuntimeDefault` or `Localhost`, whatever Pod Security Standards level is selected. An
explicit `Unconfined` (pod or container) is high severity; a profile set nowhere medium,
as `pss/seccomp-profile-restricted` already reports it at the restricted level. The
deprecated `seccomp.security.alpha.kubernetes.io` annotations do not count: current
Kubernetes no longer applies them. Windows pods are skipped.

## Why
AKS guide: seccomp, usually put in place by cluster operators, limits the system calls a
container may make. Unless the kubelet runs with `--seccomp-default`, a container with no
profile runs unconfined, with every system call of the node's kernel within reach.

## Fix
Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level. The fixer is safe
(the runtime's default profile only blocks calls ordinary applications do not make) where
no profile is set anywhere, and writes it at pod level; it replaces an explicit
`Unconfined` only when unsafe fixes are asked for.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import container_at

RULE = rule("hardening/seccomp-unconfined", severity=Severity.MEDIUM,
            covered_by=("pss/seccomp-profile-restricted",), hazard="seccomp")

ALLOWED_TYPES = ("RuntimeDefault", "Localhost")
POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    pod_profile = pod.security_context.map("seccompProfile")
    pod_type = pod_profile.str("type") if pod_profile.present else None
    if pod_type is not None and pod_type not in ALLOWED_TYPES:
        yield Violation(pod_profile.at("type"), f'pod sets seccompProfile.type="{pod_type}"',
                        severity=Severity.HIGH)
    annotations = pod.annotations
    for c in pod.containers():
        profile = c.security_context.map("seccompProfile")
        if profile.present:
            kind = profile.str("type") or ""
            if kind not in ALLOWED_TYPES:
                yield Violation(profile.at("type"), f'{c.describe()} sets seccompProfile.type="{kind}"',
                                severity=Severity.HIGH)
        elif pod_type is None:
            legacy = POD_ANNOTATION in annotations or f"{CONTAINER_ANNOTATION}{c.name}" in annotations
            note = " (the deprecated seccomp annotation is no longer applied)" if legacy else ""
            yield Violation(profile.at("type"), f"{c.describe()} runs without a seccomp profile: set "
                            f"seccompProfile.type=RuntimeDefault (here or at pod level){note}")


@RULE.fix(safe=True)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    pod_profile = pod.security_context.map("seccompProfile")
    c = container_at(pod, v.path)
    if c is not None and not c.security_context.map("seccompProfile").present and not pod_profile.present:
        yield Edit.set(pod_profile.at("type"), "RuntimeDefault")  # one edit serves every container
    elif ctx.fix_options.get("unsafe"):
        yield Edit.set(v.path, "RuntimeDefault")  # an explicit Unconfined: someone chose it
