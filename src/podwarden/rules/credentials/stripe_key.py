"""Stripe secret or restricted key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for Stripe secret keys (`sk_live_`,
`sk_test_`) and restricted keys (`rk_live_`, `rk_test_`) followed by at least 24 letters and
digits. Publishable keys (`pk_`) are public by design and not reported.

## Why
AKS guide, limit credential exposure: a live secret key moves money and reads customer data for whoever holds it;
a test key still exposes the account's test data and configuration.

## Fix
Use a restricted key with the fewest permissions. Keep it in Azure Key Vault and mount it with the Secrets Store CSI driver (the application reads the file). Roll the exposed key in the
Stripe dashboard.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/stripe-key", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}(?![A-Za-z0-9])")


@detector(RULE, markers=('sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "stripe secret key")


check = RULE.check(since="1.0")(check_for(RULE.id))
