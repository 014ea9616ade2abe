"""PyPI API token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for PyPI API tokens (`pypi-` followed by
the macaroon prefix `AgEIcHlwaS5vcmc` and at least 50 more characters), e.g. as the
password of `__token__` in a `.pypirc`.

## Why
AKS guide, limit credential exposure: an upload token publishes packages under the project's name.

## Fix
Use PyPI trusted publishing (OIDC) from CI instead of a token. Keep it in Azure Key Vault and mount it with the Secrets Store CSI driver (the application reads the file). Revoke the exposed
token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/pypi-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_-])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")


@detector(RULE, markers=('pypi-ageichlwas5vcmc',))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "pypi api token")


check = RULE.check(since="1.0")(check_for(RULE.id))
