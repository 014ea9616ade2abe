"""Containers allowed to run as root.

## What it checks
`runAsNonRoot` is not `false` at pod level, and every container either sets
`runAsNonRoot: true` or inherits it from the pod (Pod Security Standards, restricted,
every version). From v1.35 a pod in its own user namespace (`hostUsers: false`) is exempt.
Windows pods are not exempt.

## Why
AKS guide, security context: run pods as a defined user or group, not as root.
`runAsNonRoot: true` makes the kubelet refuse to start a container whose image runs as root.

## Fix
Set `securityContext.runAsNonRoot: true` at pod level (safe: the kubelet refuses root
images instead of running them), and make sure the image declares a non-root user. The
fixer sets it at pod level when the pod leaves it unset and no container runs as
`runAsUser: 0`; replacing an explicit `runAsNonRoot: false` needs `--unsafe`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, Level, PodView, Severity, Violation, rule

RULE = rule("pss/run-as-non-root", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="runAsNonRoot", reason="runAsNonRoot != true", hazard="run-as-root")


@RULE.check(since="1.0")
def check_v1_0(pod: PodView) -> Iterator[Violation]:
    pod_sc = pod.security_context
    pod_value = pod_sc.bool("runAsNonRoot")
    if pod_value is False:
        yield Violation(pod_sc.at("runAsNonRoot"), "pod must not set runAsNonRoot=false")
    for c in pod.containers():
        sc = c.security_context
        value = sc.bool("runAsNonRoot")
        if value is False:
            yield Violation(sc.at("runAsNonRoot"), f"{c.describe()} must not set runAsNonRoot=false")
        elif value is None and pod_value is not True:
            yield Violation(sc.at("runAsNonRoot"),
                            f"{c.describe()} must set runAsNonRoot=true (here or at pod level)")


@RULE.check(since="1.35")  # user-namespaced pods are exempt
def check_v1_35(pod: PodView) -> Iterator[Violation]:
    if not pod.host_users_false:
        yield from check_v1_0(pod)


def _root_user(pod: PodView) -> bool:
    """Some container's effective runAsUser is 0: runAsNonRoot=true would stop it starting."""
    return any(c.effective("runAsUser")[0] == 0 for c in pod.containers())


@RULE.fix(safe=True, unsafe_reason="runAsNonRoot=false was set on purpose; with true the "
          "kubelet refuses to start an image whose user is root",
          caution="with runAsNonRoot=true the kubelet refuses to start a container whose image "
          "runs as root (no USER, or USER 0/root) unless runAsUser gives a non-zero user: check "
          "each image", caution_unless=("run_as_user",))
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    pod_sc = pod.security_context
    unsafe = bool(ctx.fix_options.get("unsafe"))
    if _root_user(pod) and not unsafe:
        return
    pod_value = pod_sc.bool("runAsNonRoot")
    if v.path == pod_sc.at("runAsNonRoot"):
        if unsafe:
            yield Edit.set(v.path, True)
        return
    for c in pod.containers():
        if v.path != c.security_context.at("runAsNonRoot"):
            continue
        if c.security_context.bool("runAsNonRoot") is False:
            if unsafe:
                yield Edit.set(v.path, True)
        elif pod_value is None or unsafe:
            yield Edit.set(pod_sc.at("runAsNonRoot"), True)
