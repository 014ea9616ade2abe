"""Workload identity annotation on an object the webhook does not read it from.

## What it checks
- `azure.workload.identity/client-id` or `/tenant-id` on a pod template: the webhook reads
  them from the ServiceAccount only.
- `/skip-containers`, `/inject-proxy-sidecar` or `/proxy-sidecar-port` on a ServiceAccount:
  read from the pod only.
- Any of these, or `/service-account-token-expiration`, on a workload's own metadata
  (Deployment, CronJob ...) rather than its pod template: pods never see them.

## Why
AKS guide, Microsoft Entra Workload ID: the webhook reads each key from one place (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go `getClientID`, `getTenantID`,
`getSkipContainers`, `shouldInjectProxySidecar`, `getServiceAccountTokenExpiration`;
docs/book/src/topics/service-account-labels-and-annotations.md). Elsewhere the key is
silently ignored: no client id, the wrong tenant, or containers meant to be skipped
receiving the token.

## Fix
Move the annotation to the object the message names.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.identity._wi import PREFIX

RULE = rule("identity/annotation-on-wrong-object", severity=Severity.MEDIUM, target="object")

SA_ONLY = tuple(PREFIX + k for k in ("client-id", "tenant-id"))
POD_ONLY = tuple(PREFIX + k for k in ("skip-containers", "inject-proxy-sidecar", "proxy-sidecar-port"))
EITHER = (PREFIX + "service-account-token-expiration",)


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    if obj.kind == "ServiceAccount":
        annotations = obj.annotations
        for key in POD_ONLY:
            if key in annotations:
                yield Violation((*obj.metadata.path, "annotations", key),
                                f"{key} is read from the pod, not from its ServiceAccount")
        return
    pod = obj.pod
    if pod is None:
        return
    annotations = pod.annotations
    for key in SA_ONLY:
        if key in annotations:
            yield Violation((*pod.metadata.path, "annotations", key),
                            f"{key} is read from the ServiceAccount, not from the pod")
    if pod.metadata.path != obj.metadata.path:
        own = obj.annotations
        for key in (*SA_ONLY, *POD_ONLY, *EITHER):
            if key in own:
                where = "ServiceAccount" if key in SA_ONLY else "pod template"
                yield Violation((*obj.metadata.path, "annotations", key),
                                f"{key} on the {obj.kind}'s own metadata is ignored: put it on the {where}")
