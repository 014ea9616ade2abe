"""Writable persistent volume without fsGroup.

## What it checks
On Linux pods that mount a persistent or block volume writable (`persistentVolumeClaim`,
a StatefulSet's `volumeClaimTemplates`, generic `ephemeral` volumes, `azureDisk` and the
other disk sources; a mount without `readOnly: true`), the pod's
`securityContext.fsGroup` is set and above 0. `fsGroup: 0` is reported on its line with
medium severity. `emptyDir` volumes are not counted: the kubelet creates them
world-writable (mode 0777), so the group changes nothing about who may write them.
Windows pods are skipped (`fsGroup` is Linux-only).

## Why
AKS guide, security context: run pods as a defined user or group, using `fsGroup` at pod
level. A fresh disk's root directory belongs to root; without `fsGroup` a non-root
process cannot write it, and the usual "fix" is to run the pod as root or add a root init
container that runs `chown`. With `fsGroup` the kubelet gives the volume to that group.

## Fix
Set `securityContext.fsGroup` at pod level, usually to the pod's `runAsGroup`, and
consider `fsGroupChangePolicy: OnRootMismatch` for large volumes. The fixer is unsafe (the
kubelet changes the ownership of files on the volume): it writes the `fs_group` fix
option, else the pod's own `runAsGroup` when above 0.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import (
    claim_template_names,
    positive_int,
    volumes_by_name,
    writable_mounts,
)

RULE = rule("hardening/fs-group-missing", severity=Severity.LOW)

#: volume sources whose files the kubelet can give to fsGroup, and that start root-owned
DISK_SOURCES = frozenset({
    "persistentVolumeClaim", "ephemeral", "azureDisk", "gcePersistentDisk",
    "awsElasticBlockStore", "cinder", "iscsi", "rbd", "fc", "vsphereVolume",
    "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk",
})


def writable_disks(pod: PodView) -> list[str]:
    """Names of disk volumes some container mounts writable, in first-mount order."""
    volumes = volumes_by_name(pod)
    claims = claim_template_names(pod)
    found: list[str] = []
    for c in pod.containers():
        for mount in writable_mounts(c):
            name = mount.raw("name")
            if not isinstance(name, str) or name in found:
                continue
            volume = volumes.get(name)
            if volume is not None:
                if pod.volume_source(volume) in DISK_SOURCES:
                    found.append(name)
            elif name in claims:
                found.append(name)
    return found


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    sc = pod.security_context
    group = sc.int("fsGroup")
    if group is not None and group > 0:
        return
    disks = writable_disks(pod)
    if not disks:
        return
    names = ", ".join(f'"{n}"' for n in disks)
    if group == 0:
        yield Violation(sc.at("fsGroup"), f"pod sets fsGroup=0 (root group) for writable "
                        f"volume(s) {names}", severity=Severity.MEDIUM)
    else:
        yield Violation(sc.at("fsGroup"), f"pod mounts writable volume(s) {names} but sets no "
                        "fsGroup: set one above 0 so a non-root user can write them")


@RULE.fix(safe=False, enabled_by=("fs_group",),
          unsafe_reason="the kubelet changes the group of every file on the volume to fsGroup")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    group = positive_int(ctx.fix_options.get("fs_group"))
    if group is None:
        group = positive_int(pod.security_context.raw("runAsGroup"))
    if group is not None:
        yield Edit.set(v.path, group)
