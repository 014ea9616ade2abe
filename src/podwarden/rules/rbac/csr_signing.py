"""Service account may create and approve certificate signing requests.

## What it checks
A workload whose service account may, through ClusterRoleBindings, `create`
`certificatesigningrequests`, `update` or `patch` `certificatesigningrequests/approval`,
and `approve` on `signers`: all three.

{reach}

Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": creating and approving its own requests for the
`kubernetes.io/kube-apiserver-client` signer gives client certificates for any user or
group, `system:masters` included, that outlive the token.

## Fix
Split creation from approval, and grant `approve` only on the signers an approver
controller serves (`resourceNames`). `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/csr-signing", severity=Severity.CRITICAL, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
