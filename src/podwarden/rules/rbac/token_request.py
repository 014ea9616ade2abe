"""Service account may request tokens for other service accounts.

## What it checks
A workload whose service account may `create` `serviceaccounts/token` (the TokenRequest
API).

{reach}

High cluster-wide, medium in one namespace, one step lower when the rules name the
service accounts. Low when the pod's token is not mounted (`automountServiceAccountToken: false` on the
pod, or on its ServiceAccount and not overridden by the pod, and no projected token for
the API server): the permission then waits for any pod that mounts the token. Not reported where `rbac/full-api-access` reports the same service account with the same
or a wider reach. One finding per workload, naming the bindings that grant it.

## Why
"RBAC good practices": TokenRequest issues a token for any service account in scope,
so this token reaches everything those accounts may do.

## Fix
Remove the permission, or limit it to the named service accounts the application
really needs (`resourceNames`). `podwarden fix` does not rewrite RBAC.
"""

from podwarden.rules.api import Severity, rule
from podwarden.rules.rbac._resolve import hazard_check, with_reach

__doc__ = with_reach(__doc__)

RULE = rule("rbac/token-request", severity=Severity.HIGH, uses_index=True)

check = RULE.check(since="1.0")(hazard_check(RULE.id))
