"""Workload identity token expiration the webhook rejects.

## What it checks
`azure.workload.identity/service-account-token-expiration`, on a pod template or a
ServiceAccount, is a base-10 integer (an optional sign, digits, nothing else) between
3600 and 86400 seconds inclusive. An empty value counts as unset, as upstream reads it.

## Why
AKS guide, Microsoft Entra Workload ID: the projected service account token is what the
pod exchanges for an Entra token. The webhook reads the pod's annotation first, else the
ServiceAccount's, parses it with `strconv.ParseInt` and answers the admission request
with an error when it does not parse or lies outside [3600, 86400] (source:
Azure/azure-workload-identity, pkg/webhook/consts.go `MinServiceAccountTokenExpiration`,
`MaxServiceAccountTokenExpiration`; pkg/webhook/webhook.go
`getServiceAccountTokenExpiration`). With `failurePolicy: Fail` the pod is never created.

## Fix
Remove the annotation (default 3600) or set a whole number of seconds in range, e.g.
`"86400"`, quoted.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Node, Severity, Violation, rule

RULE = rule("identity/token-expiration-out-of-range", severity=Severity.MEDIUM, target="object")

KEY = "azure.workload.identity/service-account-token-expiration"
MIN, MAX = 3600, 86400
GO_INT = r"^[+-]?[0-9]+$"  # compiled by re when first used


def _problem(value: str) -> str:
    if not re.match(GO_INT, value):
        return f"{KEY} must be an integer number of seconds, not \"{value}\""
    seconds = int(value)
    if not MIN <= seconds <= MAX:
        return f"{KEY} must lie within [{MIN}, {MAX}], not {seconds}: the webhook rejects the pod"
    return ""


def _metadata(obj: KubeObject) -> Node | None:
    if obj.kind == "ServiceAccount":
        return obj.metadata
    pod = obj.pod
    return pod.metadata if pod is not None else None


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    meta = _metadata(obj)
    if meta is None:
        return
    value = meta.str_map("annotations").get(KEY, "")
    problem = _problem(value) if value else ""
    if problem:
        yield Violation((*meta.path, "annotations", KEY), problem)
