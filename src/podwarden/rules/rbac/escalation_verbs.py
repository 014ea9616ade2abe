"""Service account may escalate, bind or impersonate.

## What it checks
A workload whose service account may use the verbs `escalate` or `bind` on `roles` or
`clusterroles`, or `impersonate` `serviceaccounts`, `users`, `groups`, `uids` or
`userextras` (users, groups and the rest only through a ClusterRoleBinding: they are not
namespaced).

{reach}

Critical cluster-wide, medium in one namespace (the built-in `edit` and `admin` roles
impersonate service accounts of their namespace). Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": `escalate` writes roles with permissions the subject does not
hold, `bind` grants roles it does not hold, and `impersonate` acts as another identity:
each is a path from this token to whatever those identities may do.

## Fix
Remove the verbs; an operator that manages RBAC should be granted `bind` only on the
named roles it hands out (`resourceNames`). `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/escalation-verbs", severity=Severity.CRITICAL, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
