"""Service account may read Secrets.

## What it checks
A workload whose service account may `get`, `list` or `watch` `secrets` (core API group).

{reach}

High cluster-wide, medium in one namespace, one step lower when the rules name the
Secrets (`resourceNames`). Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
AKS guide, limit credential exposure; "RBAC good practices": `list` and `watch` return
every value in scope, and `get` any Secret whose name is known, including other service
accounts' tokens and other applications' credentials.

## Fix
Read credentials from files the pod mounts (Secret volumes, or Key Vault through the
Secrets Store CSI driver) instead of the API. If the API is needed, grant `get` on the
named Secrets only (`resourceNames`), in a Role of the namespace.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/secret-read", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
