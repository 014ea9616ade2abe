"""hostPath volume mounted writable.

## What it checks
Every container, init container and ephemeral container mounts `hostPath` volumes with
`readOnly: true`. A writable mount is high severity, critical when the host path is the
node's root, `/var`, `/var/lib`, `/run` or `/var/run` themselves, or a system directory or
anything below one (`/etc`, `/root`, `/boot`, `/usr`, `/bin`, `/sbin`, `/lib`, `/lib64`,
`/dev`, `/proc`, `/sys`, `/var/lib/kubelet`, `/var/lib/containerd`, `/var/lib/docker`).
Subdirectories of `/run` are not critical by themselves (agents keep their own sockets
there; the runtime's socket has its own rule, `hardening/container-runtime-socket`). Applies at every Pod Security Standards level
(`pss/host-path-volumes` forbids hostPath altogether from baseline; node agents that
genuinely need one run at the privileged level, and this rule still asks them to mount it
read-only). Applies to Windows pods too.

## Why
AKS guide, security context: limit access to the node's processes, services and file
system to the minimum. A writable hostPath lets the container change the node itself:
binaries, kubelet credentials, other pods' data, or cron and systemd units that run as
root on the node.

## Fix
Add `readOnly: true` to the volumeMount, or replace the hostPath with an `emptyDir`, a
ConfigMap or a PersistentVolumeClaim. The fixer is unsafe (an agent that writes there
stops working): it sets `readOnly: true` on the mount.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import volumes_by_name, writable_mounts

RULE = rule("hardening/writable-host-path", severity=Severity.HIGH)

#: system directories: critical themselves and for anything below them
SYSTEM_DIRS = ("/etc", "/root", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/dev",
               "/proc", "/sys", "/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker")
#: critical only as a whole: their subdirectories hold ordinary agents' state
SYSTEM_ROOTS = frozenset({"/", "/var", "/var/lib", "/run", "/var/run"})


def is_system_path(path: str) -> bool:
    """The node's root or a system directory (or something below one)."""
    clean = "/" + path.strip().strip("/")
    if clean in SYSTEM_ROOTS:
        return True
    return any(clean == d or clean.startswith(d + "/") for d in SYSTEM_DIRS)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    volumes = volumes_by_name(pod)
    for c in pod.containers():
        for mount in writable_mounts(c):
            name = mount.raw("name")
            volume = volumes.get(name) if isinstance(name, str) else None
            if volume is None or not volume.has("hostPath"):
                continue
            host = volume.map("hostPath").str("path") or ""
            critical = is_system_path(host) if host.startswith("/") else False
            yield Violation(mount.at("readOnly"),
                            f'{c.describe()} mounts hostPath "{host}" (volume "{name}") writable',
                            severity=Severity.CRITICAL if critical else None)


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    yield Edit.set(v.path, True)
