"""Service account may relabel namespaces.

## What it checks
A workload whose service account may `patch` or `update` `namespaces`: every namespace
through a ClusterRoleBinding, its own through a RoleBinding.

{reach}

High cluster-wide, medium for its own namespace. Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
AKS guide, Pod Security Admission: the `pod-security.kubernetes.io/enforce` label on
the Namespace is the policy. Whoever can change the label can set it to `privileged`,
and the pods it creates next run without the Pod Security Standards.

## Fix
Remove write access to namespaces from workloads; the platform team labels namespaces.
`podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/namespace-write", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
