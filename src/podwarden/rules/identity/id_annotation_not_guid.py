"""Workload identity client or tenant id that is not a GUID.

## What it checks
On a ServiceAccount, `azure.workload.identity/client-id` and (when present)
`azure.workload.identity/tenant-id` are GUIDs (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
An empty tenant id counts: the webhook then sets no `AZURE_TENANT_ID` instead of falling
back to its default tenant.

## Why
AKS guide, Microsoft Entra Workload ID: the webhook copies both values verbatim into
`AZURE_CLIENT_ID` / `AZURE_TENANT_ID` without validating them (source:
Azure/azure-workload-identity, pkg/webhook/webhook.go `getClientID`, `getTenantID`).
Entra ID names applications, managed identities and tenants by GUID, so a display name,
a resource id, a Helm placeholder or stray whitespace only fails later, at token
exchange, inside the running pod.

## Fix
Use the identity's client id (`az identity show --query clientId`) and the tenant id
(`az account show --query tenantId`); drop the tenant annotation to use the webhook's
default tenant.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("identity/id-annotation-not-guid", severity=Severity.MEDIUM, target="object",
            kinds=("ServiceAccount",))

KEYS = ("azure.workload.identity/client-id", "azure.workload.identity/tenant-id")
GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"  # compiled by re when first used


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    annotations = obj.annotations
    for key in KEYS:
        value = annotations.get(key)
        if value is None or (value == "" and key == KEYS[0]):  # empty: identity/client-id-missing
            continue
        if not re.match(GUID, value):
            yield Violation((*obj.metadata.path, "annotations", key), f"{key} must be a GUID")
