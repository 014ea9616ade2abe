"""Capabilities not dropped.

## What it checks
On Linux pods, every container, init container and ephemeral container lists `ALL` in
`securityContext.capabilities.drop` (in any case, as containerd and CRI-O read it), so
it keeps none of the runtime's default capabilities (`CHOWN`, `DAC_OVERRIDE`, `FOWNER`,
`SETUID`, `SETGID`, `NET_RAW` on older runtimes, ...) it did not ask for. Applies at every
Pod Security Standards level; medium severity because `pss/unrestricted-capabilities`
reports the same at the restricted level. Windows pods are skipped.

## Why
AKS guide, security context: Linux capabilities give a pod access to node processes;
assign them with care and keep them to the minimum. Dropping ALL and adding back only
what is needed (see `hardening/added-capabilities`) is that minimum.

## Fix
Add `capabilities: {drop: ["ALL"]}` to each container. The fixer is safe only where it
cannot change what the application does: for containers that run as non-root by their
settings (effective `runAsUser` above 0, or `runAsNonRoot: true`), are not privileged and
do not add `SYS_ADMIN`. It adds `ALL` to `drop`, sets `allowPrivilegeEscalation: false`
(so no setuid binary could have used the dropped capabilities either), and keeps
`NET_BIND_SERVICE` in `add` when the container declares a port below 1024. Root
containers are only fixed when unsafe fixes are asked for.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import (
    NET_BIND_SERVICE,
    adds_capability,
    container_at,
    drops_all,
    is_privileged,
    low_ports,
    runs_as_non_root,
)

RULE = rule("hardening/capabilities-not-dropped", severity=Severity.MEDIUM,
            covered_by=("pss/unrestricted-capabilities",), hazard="capabilities")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for c in pod.containers():
        if not drops_all(c):
            caps = c.security_context.map("capabilities")
            yield Violation(caps.at("drop"),
                            f'{c.describe()} must drop all capabilities (capabilities.drop: ["ALL"])')


@RULE.fix(safe=True)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    c = container_at(pod, v.path)
    if c is None or is_privileged(c) or adds_capability(c, "SYS_ADMIN"):
        return
    if not runs_as_non_root(c) and not ctx.fix_options.get("unsafe"):
        return
    sc = c.security_context
    caps = sc.map("capabilities")
    if sc.bool("allowPrivilegeEscalation") is not False:
        yield Edit.set(sc.at("allowPrivilegeEscalation"), False)
    yield Edit.add(caps.at("drop"), "ALL")
    if low_ports(c) and not adds_capability(c, NET_BIND_SERVICE):
        yield Edit.add(caps.at("add"), NET_BIND_SERVICE)
