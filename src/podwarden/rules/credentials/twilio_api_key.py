"""Twilio API key in a manifest.

## What it checks
Strings that name Twilio (in the value or its key) for Twilio API keys: the key SID
(`SK` followed by 32 lower-case hexadecimal digits, reported because its secret is
configured beside it) and a 32-hex auth token or key secret in a field named like one
(`TWILIO_AUTH_TOKEN`, `TWILIO_API_SECRET`).

## Why
AKS guide, limit credential exposure: a Twilio key places calls and sends messages billed to the account.

## Fix
Keep it in Azure Key Vault and mount it with the Secrets Store CSI driver (the application reads the file). Delete the exposed key in the Twilio console.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/twilio-api-key", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])")


_SECRET_NAME = lazy(r"twilio\w*(?:authtoken|secret)")
_SECRET = lazy(r"^[0-9a-f]{32}$")


@detector(RULE, markers=("twilio",), keys="twilio")
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "twilio api key")
    value = leaf.text.strip()
    if leaf.key and _SECRET_NAME.search(normalise(leaf.key)) and _SECRET.match(value):
        yield Hit(value, "twilio auth token")


check = RULE.check(since="1.0")(check_for(RULE.id))
