"""Microsoft Entra ID client secret in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a Microsoft Entra ID (Azure AD)
application client secret in its current identifiable form: three characters, a digit,
the `Q~` marker, then 31-34 characters of `[A-Za-z0-9_~.-]`. Masked samples
(`8Q~xxxxxxxx...`) are not reported. Older secrets without the marker are found by
`credentials/generic-secret` when they sit in a secret-named field (`AZURE_CLIENT_SECRET`).

## Why
AKS guide, limit credential exposure and Workload ID: a client secret lets anyone act as
the application's service principal, from anywhere, until it expires.

## Fix
Replace the service principal secret with Microsoft Entra Workload ID (a federated
credential on the application or a user-assigned managed identity: no secret at all).
Until then keep the secret in Azure Key Vault. Remove the exposed secret from the app
registration.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import entropy

RULE = rule("credentials/entra-client-secret", severity=Severity.HIGH, target="object")

_SECRET = lazy(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])")


@detector(RULE, markers=("q~",))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _SECRET.finditer(leaf.text):
        if entropy(match.group(0)) >= 3.5:
            yield Hit(match.group(0), "microsoft entra client secret")


check = RULE.check(since="1.0")(check_for(RULE.id))
