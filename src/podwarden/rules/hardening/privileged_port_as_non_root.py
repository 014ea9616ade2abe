"""Port below 1024 in a non-root container.

## What it checks
On Linux pods, a container that runs as non-root by its settings (effective `runAsUser`
above 0, or `runAsNonRoot: true`) and declares a `containerPort` below 1024 adds
`NET_BIND_SERVICE`. Ports at or above the pod's `net.ipv4.ip_unprivileged_port_start`
sysctl, when set, are not counted. Windows pods are skipped.

## Why
AKS guide, security context: a non-root process cannot bind a port below 1024. The guide
advises exposing the application through a Service instead (Service `port: 80`,
`targetPort: 8080`), which needs no capability at all. Left as it is, the container fails
at start-up, and the tempting repair is to run it as root. Note that an added
`NET_BIND_SERVICE` reaches a non-root process only through a file capability on its
binary, which `allowPrivilegeEscalation: false` blocks: the Service mapping is the
dependable route.

## Fix
Make the application listen on a port of 1024 or above (many images have an
"unprivileged" variant on 8080) and map the Service's port to it with `targetPort`. No
automatic fix: the port is the application's.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import (
    NET_BIND_SERVICE,
    adds_capability,
    low_ports,
    runs_as_non_root,
)

RULE = rule("hardening/privileged-port-as-non-root", severity=Severity.LOW)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for c in pod.containers():
        if not runs_as_non_root(c) or adds_capability(c, NET_BIND_SERVICE):
            continue
        for path, port in low_ports(c):
            yield Violation(path, f"{c.describe()} runs as non-root and cannot bind port {port}: "
                            "listen on a port of 1024 or above and let a Service map "
                            f"port {port} to it (targetPort)")
