"""Writable root file system.

## What it checks
On Linux pods, every container, init container and ephemeral container sets
`securityContext.readOnlyRootFilesystem: true`. The field exists only on containers
(written at pod level it is ignored, see `hardening/container-field-at-pod-level`).
Low severity: many images write to their file system and need `emptyDir` mounts first.
Windows pods are skipped (Windows containers do not support the setting).

## Why
AKS guide, least privilege: a process should have no more access than it needs. A
read-only root file system stops an intruder from changing binaries, dropping tools or
persisting inside the container, and keeps the running container identical to its image.

## Fix
Set `readOnlyRootFilesystem: true` on each container and mount an `emptyDir` where the
application must write (`/tmp`, caches). The fixer is unsafe: an application that writes
to its file system fails until those mounts exist.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule

RULE = rule("hardening/read-only-root-filesystem", severity=Severity.LOW)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for c in pod.containers():
        sc = c.security_context
        value = sc.bool("readOnlyRootFilesystem")
        if value is False:
            yield Violation(sc.at("readOnlyRootFilesystem"),
                            f"{c.describe()} sets readOnlyRootFilesystem=false")
        elif value is None:
            yield Violation(sc.at("readOnlyRootFilesystem"),
                            f"{c.describe()} must set readOnlyRootFilesystem=true")


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    yield Edit.set(v.path, True)
