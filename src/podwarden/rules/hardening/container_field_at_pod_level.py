"""Container-only security field written at pod level.

## What it checks
The pod's `securityContext` holds none of the fields that exist only in a container's
`securityContext`: `allowPrivilegeEscalation`, `capabilities`, `privileged`,
`readOnlyRootFilesystem` and `procMount`. Each one is reported on its own line. Applies
to every pod, Windows included.

## Why
AKS guide, security context: the settings that limit privilege escalation and
capabilities belong to each container. `PodSecurityContext` has no such fields, so the API
server drops them (a warning at most; `kubectl` with strict validation refuses the
manifest, Helm and GitOps tools usually apply it). The author believes the pod is
hardened while nothing is enforced.

## Fix
Move each field into every container's `securityContext` (init containers included) and
remove it from the pod's. The fixer is unsafe: moving it makes the setting take effect
(`readOnlyRootFilesystem: true` may stop an application that writes to its file system,
`privileged: true` would grant privilege). It copies the value into each container that
does not set the field itself, then removes the pod-level one.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule

RULE = rule("hardening/container-field-at-pod-level", severity=Severity.MEDIUM)

CONTAINER_ONLY = ("allowPrivilegeEscalation", "capabilities", "privileged",
                  "readOnlyRootFilesystem", "procMount")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    sc = pod.security_context
    for key in CONTAINER_ONLY:
        if sc.has(key):
            yield Violation(sc.at(key), f"pod securityContext sets {key}, a container-only field "
                            "Kubernetes ignores there: set it in each container's securityContext")


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    key = str(v.path[-1])
    value = pod.security_context.raw(key)
    if value is not None:
        for c in pod.containers():
            if c.list_name != "ephemeralContainers" and key not in c.security_context.data:
                yield Edit.set(c.security_context.at(key), value)
    yield Edit.remove(v.path)
