"""Containers that may run as root.

## What it checks
On Linux pods, every container, init container and ephemeral container has an explicit
non-root identity: an effective `runAsUser` above 0, or an effective `runAsNonRoot: true`
(the container's `securityContext` overrides the pod's). Any `runAsUser: 0`, in the pod's
securityContext or a container's, is reported on its own line with high severity, even
when `runAsNonRoot: true` would make the kubelet refuse to start the container. Init
containers are held to the same rule: a root init container that "fixes permissions" is
still root on a shared volume. Windows pods (`spec.os.name: windows`) are skipped:
`runAsUser` applies to Linux only (Windows uses `windowsOptions.runAsUserName`).

## Why
AKS guide, security context: run pods as a defined user or group, not as root, and
never use the security context to obtain more privilege. Pod Security Standards
(restricted) only ask for `runAsNonRoot`; this rule also applies at other levels, asks
for the identity to be stated, and singles out an explicit root user.

## Fix
Set `securityContext.runAsNonRoot: true` and a `runAsUser` above 0 (for example 10001)
at pod level, and build the image with a numeric non-root `USER`. The fixer is unsafe:
the kubelet refuses to start an image whose user is root once `runAsNonRoot` is true;
it writes `runAsNonRoot: true` and, with a `run_as_user` fix option, that user id
(replacing an explicit `runAsUser: 0`).
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import (
    effective_bool,
    effective_int,
    pod_level_if_unset,
    positive_int,
)

RULE = rule("hardening/run-as-root", severity=Severity.MEDIUM,
            covered_by=("pss/run-as-non-root", "pss/run-as-user"), hazard="run-as-root")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for who, sc in pod.iter_security_contexts():
        if sc.int("runAsUser") == 0:
            yield Violation(sc.at("runAsUser"), f"{who} sets runAsUser=0 (root)",
                            severity=Severity.HIGH)
    for c in pod.containers():
        user, _ = effective_int(c, "runAsUser")
        if user is not None:
            continue  # above 0: fine; 0: reported above, where it is written
        non_root, path = effective_bool(c, "runAsNonRoot")
        if non_root is True:
            continue
        if non_root is False:
            yield Violation(path, f"{c.describe()} may run as root: runAsNonRoot=false and no "
                            "runAsUser above 0")
        else:
            yield Violation(path, f"{c.describe()} may run as root: set runAsNonRoot=true or a "
                            "runAsUser above 0 (here or at pod level)")


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    user = positive_int(ctx.fix_options.get("run_as_user"))
    key = v.path[-1]
    if key == "runAsUser":
        if user is not None:
            yield Edit.set(v.path, user)
        return
    path = pod_level_if_unset(pod, v.path)  # runAsNonRoot: false where written, else the pod
    yield Edit.set(path, True)
    if user is not None:
        yield Edit.set((*path[:-1], "runAsUser"), user)
