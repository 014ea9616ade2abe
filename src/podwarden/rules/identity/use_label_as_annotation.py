"""Workload identity opt-in written as an annotation.

## What it checks
A pod (or a workload's pod template) that carries `azure.workload.identity/use` among its
annotations but not among its labels.

## Why
AKS guide, Microsoft Entra Workload ID: the pod authenticates with its own identity only
when the workload identity webhook injects the token volume and `AZURE_*` variables. The
webhook's MutatingWebhookConfiguration selects pods with `objectSelector.matchLabels`
(source: Azure/azure-workload-identity, charts/workload-identity-webhook/templates/
azure-wi-webhook-mutating-webhook-configuration-mutatingwebhookconfiguration.yaml), so an
annotation is never seen: nothing is injected and the application fails at its first
token request.

## Fix
Move it to `metadata.labels` of the pod template, with the value `"true"` (quoted).
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import USE

RULE = rule("identity/use-label-as-annotation", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if USE in pod.annotations and USE not in pod.labels:
        yield Violation((*pod.metadata.path, "annotations", USE),
                        f"{USE} must be a pod label, not an annotation: the webhook never sees it")
