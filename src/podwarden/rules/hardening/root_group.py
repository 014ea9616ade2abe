"""Containers running with the root group.

## What it checks
On Linux pods, every container has an effective `runAsGroup` (container over pod) above
0. Unset, the primary group is the image's, which is root (0) whenever `runAsUser` names a
user the image does not define; an explicit `runAsGroup: 0`, pod or container, is reported
on its line with medium severity. So are the other ways into group 0 with a non-root
`runAsGroup`: `supplementalGroups` listing 0 (every process of every container joins it)
and `fsGroup: 0` (volumes are given to it). Windows pods are skipped (these are Linux-only).

## Why
AKS guide, security context: run pods as a defined user *or group*, with only the
permissions they need. A process in group 0 can read and write every file the image or a
volume leaves group-owned by root, which is most of them.

## Fix
Set `securityContext.runAsGroup` to a non-zero group (for example 10001) at pod level,
and keep 0 out of `supplementalGroups` and `fsGroup`.
The fixer is unsafe (files the image leaves to group 0 may become unreadable) and only
writes a group given as the `run_as_group` fix option.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule
from podwarden.rules.hardening._common import effective_int, pod_level_if_unset, positive_int

RULE = rule("hardening/root-group", severity=Severity.LOW)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for who, sc in pod.iter_security_contexts():
        if sc.int("runAsGroup") == 0:
            yield Violation(sc.at("runAsGroup"), f"{who} sets runAsGroup=0 (root group)",
                            severity=Severity.MEDIUM)
    sc = pod.security_context
    if sc.int("fsGroup") == 0:
        yield Violation(sc.at("fsGroup"), "pod sets fsGroup=0: its volumes are given to the root group",
                        severity=Severity.MEDIUM)
    for i, group in enumerate(sc.raw("supplementalGroups") or []):
        if group == 0 and not isinstance(group, bool):
            yield Violation((*sc.at("supplementalGroups"), i),
                            "pod adds the root group (0) to every container's processes in supplementalGroups",
                            severity=Severity.MEDIUM)
    for c in pod.containers():
        group, path = effective_int(c, "runAsGroup")
        if group is None:
            yield Violation(path, f"{c.describe()} sets no runAsGroup and may run in the root "
                            "group: set runAsGroup above 0 (here or at pod level)")


@RULE.fix(safe=False, enabled_by=("run_as_group",),
          unsafe_reason="a concrete group id must match what the image's files expect")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    group = positive_int(ctx.fix_options.get("run_as_group"))
    if group is not None:
        yield Edit.set(pod_level_if_unset(pod, v.path), group)
