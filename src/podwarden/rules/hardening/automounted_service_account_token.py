"""Service account token mounted by default.

## What it checks
A pod that leaves `spec.automountServiceAccountToken` unset while its ServiceAccount
(`spec.serviceAccountName`, legacy `spec.serviceAccount`, else `default`; looked up in the
input and `--context`) does not set `automountServiceAccountToken: false` either, or is not
in the input. Kubernetes then mounts a token for the Kubernetes API into every container.
An explicit `automountServiceAccountToken: true` on the pod is a statement that it needs
the API, and is accepted. Pods using Microsoft Entra Workload ID
(`azure.workload.identity/use: "true"`) get no exemption: the webhook projects their own
token (`azure-identity-token`), so they do not need this one either. Applies to Windows
pods too.

## Why
AKS guide, least privilege and limiting credential exposure: a pod should hold no
credential it does not use. Most applications never call the Kubernetes API, yet an
automounted token lets anyone who compromises the container act as the ServiceAccount.

## Fix
Set `automountServiceAccountToken: false` on the pod (or on a ServiceAccount used only by
such pods); set it to `true` explicitly where the pod does call the API. The fixer is
unsafe (an application that talks to the API server would lose its credentials): it writes
`false` on the pod.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule

RULE = rule("hardening/automounted-service-account-token", severity=Severity.LOW, uses_index=True)

WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use"
DEFAULT_SERVICE_ACCOUNT = "default"


def service_account_name(pod: PodView) -> str:
    for key in ("serviceAccountName", "serviceAccount"):
        value = pod.spec.raw(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_SERVICE_ACCOUNT


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if pod.spec.bool("automountServiceAccountToken") is not None:
        return
    name = service_account_name(pod)
    entry = ctx.index.lookup("ServiceAccount", pod.obj, name) if ctx.index is not None else None
    if entry is not None and entry.obj.root.bool("automountServiceAccountToken") is False:
        return
    note = ""
    if pod.labels.get(WORKLOAD_IDENTITY_LABEL) == "true":
        note = " (workload identity projects its own token and does not need it)"
    yield Violation(pod.spec.at("automountServiceAccountToken"),
                    f'pod mounts the API token of service account "{name}" by default: set '
                    f"automountServiceAccountToken=false unless it calls the Kubernetes API{note}")


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    yield Edit.set(v.path, False)
