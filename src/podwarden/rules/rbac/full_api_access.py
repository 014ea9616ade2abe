"""Service account may do anything in the API.

## What it checks
A workload whose service account is granted `*` verbs on `*` resources of `*` API groups
(the built-in `cluster-admin`, or any role with such a rule) for every object.

{reach}

Critical through a ClusterRoleBinding, high through a RoleBinding (everything in one
namespace: its Secrets, pods, roles and bindings). Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. The family's other rules
stay quiet where this one reports, with the same or a narrower reach.

## Why
AKS guide, least privilege; Kubernetes "RBAC good practices": a compromised container
holding this token owns the cluster (or the namespace): it reads every Secret, starts
privileged pods on any node and grants itself anything else.

## Fix
Bind the service account to a Role listing only the verbs and resources the
application calls; keep `cluster-admin` for people, bound through groups, never for
workloads. `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/full-api-access", severity=Severity.CRITICAL, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
