"""Workload identity skip-containers naming no container.

## What it checks
Each `;`-separated name (whitespace trimmed) in the pod annotation
`azure.workload.identity/skip-containers` names one of the pod's init or regular
containers.

## Why
AKS guide, Microsoft Entra Workload ID and least privilege: skip-containers keeps the
token and `AZURE_*` variables away from containers that do not need the identity (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go `getSkipContainers`,
`mutateContainers`). A misspelt or stale name skips nothing, so the container meant to
stay without credentials receives the token after all.

## Fix
Correct the name to the container's `name`, or remove the entry.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import SKIP_CONTAINERS

RULE = rule("identity/skip-containers-unknown", severity=Severity.LOW)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    value = pod.annotations.get(SKIP_CONTAINERS)
    if not value:
        return
    names = {c.name for c in pod.containers() if c.list_name != "ephemeralContainers"}
    for item in value.split(";"):
        name = item.strip()
        if name and name not in names:
            yield Violation((*pod.metadata.path, "annotations", SKIP_CONTAINERS),
                            f'{SKIP_CONTAINERS} names "{name}", which is not a container of this pod')
