"""Workload identity opt-in on the workload instead of its pod template.

## What it checks
A Deployment, StatefulSet, DaemonSet, Job, CronJob (any pod-bearing kind other than Pod)
whose own `metadata` carries `azure.workload.identity/use` (label or annotation) while its
pod template's labels do not.

## Why
AKS guide, Microsoft Entra Workload ID: the webhook mutates pods at creation and selects
them by their own labels (source: Azure/azure-workload-identity, chart
azure-wi-webhook-mutating-webhook-configuration, `objectSelector`). The workload's
metadata is not copied to its pods, so they are created without the token and the
`AZURE_*` variables (the CronJob case is Azure/AKS#4059).

## Fix
Put `azure.workload.identity/use: "true"` under `spec.template.metadata.labels`
(`spec.jobTemplate.spec.template.metadata.labels` for a CronJob).
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import USE

RULE = rule("identity/use-label-on-workload", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    meta = pod.obj.metadata
    if pod.metadata.path == meta.path or USE in pod.labels:
        return
    for where in ("labels", "annotations"):
        if USE in meta.str_map(where):
            yield Violation((*meta.path, where, USE),
                            f"{USE} on the {pod.kind}'s own metadata does not reach its pods: "
                            "label the pod template")
