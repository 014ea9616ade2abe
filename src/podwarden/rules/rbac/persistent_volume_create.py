"""Service account may create PersistentVolumes.

## What it checks
A workload whose service account may `create` `persistentvolumes` through a
ClusterRoleBinding (PersistentVolumes are cluster-scoped).

{reach}

Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": a PersistentVolume can be a `hostPath` on the node; a claim
bound to it mounts the node's file system into a pod, whatever Pod Security Admission
says about hostPath volumes.

## Fix
Leave PersistentVolumes to a storage class and its provisioner; workloads create
claims. `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/persistent-volume-create", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
