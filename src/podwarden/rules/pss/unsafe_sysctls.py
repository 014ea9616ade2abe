"""Unsafe sysctls.

## What it checks
Every sysctl in the pod's `securityContext.sysctls` is in the safe set of its Kubernetes
version (Pod Security Standards, baseline): `kernel.shm_rmid_forced`,
`net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`,
`net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`; from v1.27
`net.ipv4.ip_local_reserved_ports`; from v1.29 `net.ipv4.tcp_keepalive_time`,
`net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
from v1.32 `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`; from v1.37
`net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.

## Why
AKS guide, security context: limit the pod's access to node processes. Other sysctls
change kernel settings that other pods on the node share.

## Fix
Remove the sysctl, or move the workload to dedicated nodes configured for it.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/unsafe-sysctls", severity=Severity.MEDIUM, pss=Level.BASELINE,
            upstream_id="sysctls", reason="forbidden sysctls")

SAFE_1_0 = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
})
SAFE_1_27 = SAFE_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SAFE_1_29 = SAFE_1_27 | {
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
}
SAFE_1_32 = SAFE_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SAFE_1_37 = SAFE_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _check(pod: PodView, safe: frozenset[str]) -> Iterator[Violation]:
    for sysctl in pod.security_context.maps("sysctls"):
        name = sysctl.str("name") or ""
        if name not in safe:
            yield Violation(sysctl.at("name"), f'pod must not set sysctl "{name}"')


@RULE.check(since="1.0")
def check_v1_0(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, SAFE_1_0)


@RULE.check(since="1.27")
def check_v1_27(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, SAFE_1_27)


@RULE.check(since="1.29")
def check_v1_29(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, SAFE_1_29)


@RULE.check(since="1.32")
def check_v1_32(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, SAFE_1_32)


@RULE.check(since="1.37")
def check_v1_37(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, SAFE_1_37)
