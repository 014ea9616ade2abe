"""Pod-only security field written in a container.

## What it checks
No container's `securityContext` holds a field that exists only in the pod's:
`fsGroup`, `fsGroupChangePolicy`, `supplementalGroups`, `supplementalGroupsPolicy`,
`sysctls` and `seLinuxChangePolicy`. Each one is reported on its own line. Applies to
every pod, Windows included.

## Why
AKS guide, security context: run pods as a defined user or group, with `fsGroup` at pod
level. A container's `SecurityContext` has no such fields, so the API server drops them (a
warning at most): the volume ownership or group the author asked for never happens, and
the usual next step is running as root to get write access.

## Fix
Move the field to `spec.securityContext` (it then applies to every container of the pod)
and remove it from the container. No automatic fix: containers may disagree on the value.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule

RULE = rule("hardening/pod-field-in-container", severity=Severity.MEDIUM)

POD_ONLY = ("fsGroup", "fsGroupChangePolicy", "supplementalGroups", "supplementalGroupsPolicy",
            "sysctls", "seLinuxChangePolicy")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        sc = c.security_context
        for key in POD_ONLY:
            if sc.has(key):
                yield Violation(sc.at(key), f"{c.describe()} sets {key}, a pod-only field Kubernetes "
                                "ignores in a container: set it in the pod's securityContext")
