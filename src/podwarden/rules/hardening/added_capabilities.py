"""Added Linux capabilities.

## What it checks
On Linux pods, every capability a container adds (`securityContext.capabilities.add`) is
reported on its own line, with its own risk and severity: `ALL`, `SYS_ADMIN` and
`SYS_MODULE` are critical (each is as good as root on the node); `NET_ADMIN`,
`SYS_PTRACE`, `BPF`, `DAC_READ_SEARCH`, `SYS_RAWIO`, `MAC_ADMIN` and `MAC_OVERRIDE` high;
`SYS_TIME`, `NET_RAW`, `DAC_OVERRIDE`, `PERFMON`, `SYSLOG` and similar medium; the
runtime's ordinary defaults (`CHOWN`, `SETUID`, ...) and `NET_BIND_SERVICE` low; an
unknown name medium. `NET_BIND_SERVICE` is not reported on a container that declares a
port below 1024 (or below the pod's `net.ipv4.ip_unprivileged_port_start`): it is the one
capability such a port needs, and what `podwarden fix` keeps when it drops the others.
Names are read as the runtime reads them (`cap_sys_admin` is `SYS_ADMIN`). Windows pods
are skipped.

Justified capabilities can be accepted in the configuration; each is then not reported
anywhere:

```yaml
rules:
  hardening/added-capabilities:
    allow: [NET_BIND_SERVICE, NET_ADMIN]
```

## Why
AKS guide, security context: Linux capabilities give a pod access to node processes;
assign them with care and only the minimum. Even the guide's own example pod adds
`NET_ADMIN` (the network interfaces) and `SYS_TIME` (the host's real-time clock, which is
not namespaced: every pod on the node sees the change); each must be justified.

## Fix
Remove capabilities the application does not need; for a port below 1024 prefer a
Service mapping port 80 to a `targetPort` of 1024 or above over `NET_BIND_SERVICE`. Keep
the justified ones, and list them under `allow` with the reason in a comment. No
automatic fix: removing a capability can break the application.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import NET_BIND_SERVICE, added_capabilities, cap_name, low_ports

RULE = rule("hardening/added-capabilities", severity=Severity.MEDIUM, settings=("allow",), hazard="capabilities")

_C, _H, _M, _L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: capability -> (severity, what it lets the container do)
RISKS: dict[str, tuple[Severity, str]] = {
    "ALL": (_C, "every capability, as much as root on the node"),
    "SYS_ADMIN": (_C, "mounts, namespaces and many administrative calls: the usual container escape"),
    "SYS_MODULE": (_C, "loads kernel modules, which run code in the node's kernel"),
    "NET_ADMIN": (_H, "reconfigures interfaces, routes and firewall rules, and can intercept traffic"),
    "SYS_PTRACE": (_H, "traces and injects code into processes it can see"),
    "BPF": (_H, "loads eBPF programs into the kernel"),
    "DAC_READ_SEARCH": (_H, "reads any file regardless of permissions and opens files by handle, a known escape"),
    "SYS_RAWIO": (_H, "raw I/O ports and device memory"),
    "MAC_ADMIN": (_H, "changes the AppArmor or SELinux policy"),
    "MAC_OVERRIDE": (_H, "bypasses the AppArmor or SELinux policy"),
    "SYS_TIME": (_M, "sets the node's real-time clock, which every pod on the node shares"),
    "NET_RAW": (_M, "raw sockets: spoofed packets, ARP and DNS poisoning on the pod network"),
    "DAC_OVERRIDE": (_M, "bypasses file read, write and execute permission checks"),
    "PERFMON": (_M, "performance monitoring, which exposes kernel and other processes' data"),
    "SYSLOG": (_M, "reads the kernel log, including kernel addresses"),
    "SYS_RESOURCE": (_M, "overrides resource limits and quotas"),
    "IPC_OWNER": (_M, "bypasses permission checks on IPC objects"),
    "LINUX_IMMUTABLE": (_M, "changes immutable and append-only file attributes"),
    "AUDIT_CONTROL": (_M, "changes the kernel audit rules"),
    "AUDIT_READ": (_M, "reads the kernel audit log"),
    "CHECKPOINT_RESTORE": (_M, "checkpoint and restore of other processes"),
    "SYS_BOOT": (_M, "reboot and kexec calls"),
    "SYS_NICE": (_L, "raises process priorities and changes CPU affinity"),
    "SYS_PACCT": (_L, "switches process accounting"),
    "SYS_TTY_CONFIG": (_L, "configures terminals"),
    "IPC_LOCK": (_L, "locks memory"),
    "LEASE": (_L, "file leases"),
    "WAKE_ALARM": (_L, "wake-up alarms"),
    "BLOCK_SUSPEND": (_L, "blocks system suspend"),
    "NET_BROADCAST": (_L, "broadcast and multicast"),
    "NET_BIND_SERVICE": (_L, "binds ports below 1024"),
    # the runtime's default set: low on their own, yet each should be needed
    "CHOWN": (_L, "changes file owners (a runtime default)"),
    "FOWNER": (_L, "bypasses owner checks on files (a runtime default)"),
    "FSETID": (_L, "keeps setuid bits on modified files (a runtime default)"),
    "KILL": (_L, "signals processes of other users (a runtime default)"),
    "SETUID": (_L, "switches user ids (a runtime default)"),
    "SETGID": (_L, "switches group ids (a runtime default)"),
    "SETPCAP": (_L, "changes capability sets (a runtime default)"),
    "SETFCAP": (_L, "sets file capabilities (a runtime default)"),
    "MKNOD": (_L, "creates device files (a runtime default)"),
    "AUDIT_WRITE": (_L, "writes to the kernel audit log (a runtime default)"),
    "SYS_CHROOT": (_L, "chroot (a runtime default)"),
}

UNKNOWN = (_M, "not a capability podwarden knows")


@RULE.reads_settings
def allowed(settings: Mapping[str, Any]) -> frozenset[str]:
    """The ``allow`` setting: a list of capabilities or a comma-separated string."""
    raw = settings.get("allow")
    if not raw:
        return frozenset()  # the usual case, without building anything
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("'allow' is a list of capability names")
    return frozenset(cap_name(i) for i in items if i.strip())


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if pod.is_windows:
        return
    accepted = allowed(ctx.rule_settings(RULE.id))
    for c in pod.containers():
        for path, cap, written in added_capabilities(c):
            if cap in accepted or (cap == NET_BIND_SERVICE and low_ports(c)):
                continue
            severity, risk = RISKS.get(cap, UNKNOWN)
            yield Violation(path, f'{c.describe()} adds capability "{written.strip()}": {risk}',
                            severity=severity)
