"""Service account may reach the kubelet API through nodes/proxy.

## What it checks
A workload whose service account may use any verb on `nodes/proxy` through a
ClusterRoleBinding (a RoleBinding cannot grant nodes, which are cluster-scoped).

{reach}

Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": `nodes/proxy` reaches the kubelet API of every node, which runs
commands in any pod on the node, bypassing audit logging and admission control.

## Fix
Remove `nodes/proxy`; monitoring agents need `nodes/metrics` or `nodes/stats` only.
`podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/node-proxy", severity=Severity.CRITICAL, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
