"""Service account may create pods or workloads.

## What it checks
A workload whose service account may `create` pods, or `create`, `update` or `patch`
Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs or
ReplicationControllers (their pod template decides what runs).

{reach}

High cluster-wide, medium in one namespace. Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices", workload creation: a new pod can mount any Secret, ConfigMap
and ServiceAccount of its namespace, run any image and, where Pod Security Admission
allows it, run privileged or with host access; the creator gets all of that.

## Fix
Grant workload creation only to what deploys (a CI identity, an operator that needs
it), in the namespaces it manages, and enforce Pod Security Admission there. `podwarden
fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/workload-create", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
