"""Google API key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for Google Cloud API keys (`AIza`
followed by 35 characters of `[A-Za-z0-9_-]`). The private key of a service-account JSON
key file is reported by `credentials/private-key`.

## Why
AKS guide, limit credential exposure: an API key is billed to, and grants the APIs of,
the project that issued it, for anyone who reads it.

## Fix
Use workload identity federation with Google Cloud, or keep the key in Azure Key Vault
(Secrets Store CSI driver), restricted to the APIs and callers it needs. Delete the
exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import entropy

RULE = rule("credentials/google-api-key", severity=Severity.HIGH, target="object")

_KEY = lazy(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")


@detector(RULE, markers=("aiza",))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _KEY.finditer(leaf.text):
        if entropy(match.group(0)) >= 4.0:
            yield Hit(match.group(0), "google api key")


check = RULE.check(since="1.0")(check_for(RULE.id))
