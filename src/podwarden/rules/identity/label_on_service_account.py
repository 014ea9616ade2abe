"""Workload identity opt-in on the ServiceAccount.

## What it checks
A ServiceAccount carrying `azure.workload.identity/use` as a label or an annotation.

## Why
AKS guide, Microsoft Entra Workload ID. Since webhook v1.0 only the pod's own label
selects it (source: Azure/azure-workload-identity, docs/book/src/troubleshooting.md and
the chart's `objectSelector`; the handler in pkg/webhook/webhook.go never reads the
label). On the ServiceAccount it does nothing, and pods relying on it run without their
identity.

## Fix
Remove it from the ServiceAccount and label each pod template that needs the identity
with `azure.workload.identity/use: "true"`. Keep `azure.workload.identity/client-id` on
the ServiceAccount.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.identity._wi import USE

RULE = rule("identity/label-on-service-account", severity=Severity.MEDIUM, target="object",
            kinds=("ServiceAccount",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    for where in ("labels", "annotations"):
        if USE in obj.metadata.str_map(where):
            yield Violation((*obj.metadata.path, where, USE),
                            f"{USE} on a ServiceAccount has no effect: label the pods instead")
