"""Misspelt workload identity label or annotation key.

## What it checks
Labels and annotations of pod templates, workloads and ServiceAccounts whose key is close
to, but not exactly, one the workload identity webhook reads:
`azure.workload.identity/use`, `/client-id`, `/tenant-id`,
`/service-account-token-expiration`, `/skip-containers`, `/inject-proxy-sidecar`,
`/proxy-sidecar-port`. Close means equal once case and punctuation are ignored
(`client_id`, `clientId`, `azure-workload-identity/client-id`) or at most two letters
apart (`azure.workload.identity/clinet-id`).

## Why
AKS guide, Microsoft Entra Workload ID: the webhook looks keys up exactly (source:
Azure/azure-workload-identity, pkg/webhook/consts.go). A near miss is silently ignored;
for the client id this means no `AZURE_CLIENT_ID` and a failed token exchange at runtime
(Azure/azure-workload-identity#1026).

## Fix
Rename the key to the exact spelling the message names.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Node, Severity, Violation, rule
from podwarden.rules.identity._wi import PREFIX, norm

RULE = rule("identity/annotation-key-misspelled", severity=Severity.MEDIUM, target="object")

KNOWN = tuple(PREFIX + k for k in (
    "use", "client-id", "tenant-id", "service-account-token-expiration", "skip-containers",
    "inject-proxy-sidecar", "proxy-sidecar-port",
))


NORMALISED = {norm(k): k for k in KNOWN}


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` once it is certainly larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_miss(key: str) -> str | None:
    """The known key ``key`` misspells, or None."""
    if "azure" not in key.lower() or key in KNOWN or key.startswith(PREFIX + "use-"):
        return None  # use-<suffix>: the webhook's optional custom token endpoint label
    key_norm = norm(key)
    if key_norm in NORMALISED:
        return NORMALISED[key_norm]
    if not key_norm.startswith("azure"):
        return None
    for known_norm, known in NORMALISED.items():
        if _distance(key_norm, known_norm, 2) <= 2:
            return known
    return None


def _metadata(obj: KubeObject) -> Iterator[Node]:
    meta = obj.metadata
    yield meta
    pod = obj.pod
    if pod is not None and pod.metadata.path != meta.path:
        yield pod.metadata


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    if obj.kind != "ServiceAccount" and obj.pod is None:
        return
    for meta in _metadata(obj):
        for where in ("labels", "annotations"):
            for key in meta.str_map(where):
                meant = near_miss(key)
                if meant:
                    yield Violation((*meta.path, where, key),
                                    f'"{key}" is ignored: the webhook reads "{meant}"')
