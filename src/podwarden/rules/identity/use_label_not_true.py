"""Workload identity label with a value other than "true".

## What it checks
A pod template label `azure.workload.identity/use` whose value is not exactly `"true"`
(`"True"`, `"yes"`, `"enabled"`, `""` ...).

## Why
AKS guide, Microsoft Entra Workload ID: the webhook is selected by
`objectSelector.matchLabels: {azure.workload.identity/use: "true"}` (source:
Azure/azure-workload-identity, chart azure-wi-webhook-mutating-webhook-configuration),
an exact string match. Any other value silently opts the pod out: no token, no
`AZURE_*` variables.

## Fix
Set the label to `"true"` (quoted, lower case), or remove it if the pod needs no identity.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import USE

RULE = rule("identity/use-label-not-true", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    value = pod.labels.get(USE)
    if value is not None and value != "true":
        yield Violation((*pod.metadata.path, "labels", USE),
                        f'{USE} must be exactly "true" to opt in, not "{value}"')
