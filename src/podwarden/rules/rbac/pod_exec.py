"""Service account may exec into, attach to or debug pods.

## What it checks
A workload whose service account may `create` or `get` `pods/exec`, `pods/attach` or
`pods/portforward` (WebSocket connections have been authorized as `get`), or `patch` or
`update` `pods/ephemeralcontainers`.

{reach}

High cluster-wide, medium in one namespace. Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": running commands in another pod, or adding an ephemeral
container to it, gives its Secrets, its service account token and its network position;
ephemeral containers are not covered by admission policies written before them.

## Fix
Remove these subresources from the role; debugging is for people, through their own
bindings. `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/pod-exec", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
