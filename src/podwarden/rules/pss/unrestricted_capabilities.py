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
where a non-root process binds a port below 1024). The fixer adds `ALL` to `drop`, and
`NET_BIND_SERVICE` to `add` for a container that declares a port below 1024, where the
container cannot run as root (`runAsUser` above 0 or `runAsNonRoot: true`, its own or the
pod's, or set at pod level by the `pss/run-as-non-root` fix). For a container that may
run as root, and to remove other added capabilities, it needs `--unsafe`.
"""

from collections.abc import Iterator

from podwarden.rules.api import ContainerView, Context, Edit, Level, PodView, Severity, Violation, rule

RULE = rule("pss/unrestricted-capabilities", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="capabilities_restricted", reason="unrestricted capabilities", hazard="capabilities")


#: for an added capability, dropping ALL is not the point: the addition is
ADD_HINT = ("Remove the capability from `capabilities.add` (restricted allows only NET_BIND_SERVICE), "
            "or run the workload in a namespace at baseline with the reason documented.")


@RULE.check(since="1.22", overrides=("pss/non-default-capabilities",))
def check_v1_22(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        caps = c.security_context.map("capabilities")
        if "ALL" not in caps.strs("drop"):
            yield Violation(caps.at("drop"), f'{c.describe()} must set capabilities.drop=["ALL"]')
        for i, cap in enumerate(caps.strs("add")):
            if cap != "NET_BIND_SERVICE":
                yield Violation((*caps.at("add"), i), f'{c.describe()} must not add capability "{cap}"',
                                hint=ADD_HINT)


@RULE.check(since="1.25", overrides=("pss/non-default-capabilities",))
def check_v1_25(pod: PodView) -> Iterator[Violation]:
    if not pod.is_windows:
        yield from check_v1_22(pod)


def _non_root(pod: PodView, c: ContainerView) -> bool:
    """The container cannot run as root: by its settings, or because the pod leaves
    runAsNonRoot unset with no runAsUser 0 anywhere, so pss/run-as-non-root's fixer sets
    it at pod level in the same pass.  Dropping ALL from a root process can break it."""
    user = c.effective("runAsUser")[0]
    if user is not None:
        return isinstance(user, int) and user > 0
    non_root = c.effective("runAsNonRoot")[0]
    if non_root is not None:
        return non_root is True
    return not any(other.effective("runAsUser")[0] == 0 for other in pod.containers())


@RULE.fix(safe=True, unsafe_reason="dropping capabilities from a container that may run as "
          "root, or removing one it adds, can break what it needs them for")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    unsafe = bool(ctx.fix_options.get("unsafe"))
    for c in pod.containers():
        caps = c.security_context.map("capabilities")
        if v.path == caps.at("drop") and (unsafe or _non_root(pod, c)):
            yield Edit.add(caps.at("drop"), "ALL")
            ports = [p.int("containerPort") or 0 for p in c.node.maps("ports")]
            if any(0 < port < 1024 for port in ports):
                yield Edit.add(caps.at("add"), "NET_BIND_SERVICE")
        elif v.path[:-1] == caps.at("add") and unsafe:
            yield Edit.set(caps.at("add"), [cap for cap in caps.strs("add") if cap == "NET_BIND_SERVICE"])
