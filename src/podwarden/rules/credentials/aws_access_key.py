"""AWS access key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for AWS credentials: access key ids
(`AKIA`, `ASIA`, `ABIA`, `ACCA` followed by 16 base32 characters; half of a credential
pair, reported because the other half is rarely far away) and 40-character secret access
keys in a field named like one (`AWS_SECRET_ACCESS_KEY`, `aws_secret_key`). AWS's
documentation keys (ending `EXAMPLE`) are not reported.

## Why
AKS guide, limit credential exposure: fixed, shared credentials must not be defined in
manifests, whichever cloud they open.

## Fix
Federate the workload's service account with AWS IAM (OIDC web identity) instead of
static keys, or keep them in Azure Key Vault (Secrets Store CSI driver). Deactivate the
exposed key in IAM.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/aws-access-key", severity=Severity.HIGH, target="object")

_KEY_ID = lazy(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])")
_SECRET_NAME = lazy(r"aws\w*secret|secretaccesskey|awssecretkey")
_SECRET = lazy(r"^[A-Za-z0-9/+]{40}$")


@detector(RULE, markers=("akia", "asia", "abia", "acca"), keys=_SECRET_NAME.pattern)
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _KEY_ID.finditer(leaf.text):
        yield Hit(match.group(0), "aws access key id")
    value = leaf.text.strip()
    if leaf.key and _SECRET_NAME.search(normalise(leaf.key)) and _SECRET.match(value):
        yield Hit(value, "aws secret access key")


check = RULE.check(since="1.0")(check_for(RULE.id))
