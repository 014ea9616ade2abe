"""SendGrid API key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for SendGrid API keys: `SG.`, a
22-character key id, `.` and a 43-character secret (base64url alphabet).

## Why
AKS guide, limit credential exposure: an API key sends mail as the account's verified senders (phishing that
passes SPF and DKIM) and can read its contacts.

## Fix
Give the key only the Mail Send scope. Keep it in Azure Key Vault and mount it with the Secrets Store CSI driver (the application reads the file). Delete the exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/sendgrid-api-key", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@detector(RULE, markers=('sg.',))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "sendgrid api key")


check = RULE.check(since="1.0")(check_for(RULE.id))
