"""Service account may change admission webhook configurations.

## What it checks
A workload whose service account may `create`, `update`, `patch` or `delete`
`validatingwebhookconfigurations` or `mutatingwebhookconfigurations` through a
ClusterRoleBinding.

{reach}

Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": a webhook configuration sends objects (Secrets among them) to
any endpoint, can rewrite pods as they are admitted, and deleting one switches off the
policy it enforced.

## Fix
Grant it only to the webhook's own controller, on the configurations it owns
(`resourceNames`, for `update` and `patch`). `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/admission-webhook-write", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
