"""npm access token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for npm access tokens (`npm_` followed by
36 letters and digits), e.g. as `_authToken` in an `.npmrc` kept in a ConfigMap.

## Why
AKS guide, limit credential exposure: a publish-capable npm token lets whoever reads the manifest publish
packages under the account, a supply-chain attack on everyone who installs them.

## Fix
Use granular, read-only tokens or trusted publishing (OIDC) in CI. Keep it in Azure Key Vault and mount it with the Secrets Store CSI driver (the application reads the file). Revoke the
exposed token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/npm-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")


@detector(RULE, markers=('npm_',))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "npm access token")


check = RULE.check(since="1.0")(check_for(RULE.id))
