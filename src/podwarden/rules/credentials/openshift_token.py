"""OpenShift OAuth access token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for OpenShift OAuth access tokens
(`sha256~` followed by 43 characters of `[A-Za-z0-9_-]`), e.g. from `oc whoami -t` pasted
into a kubeconfig or a CI script.

## Why
AKS guide, limit credential exposure: the token acts as the user who requested it, on the whole cluster, until it
expires.

## Fix
Use a service account with a bound, short-lived token, or Workload ID on AKS. Log the
token out (`oc delete oauthaccesstoken`).
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/openshift-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_-])sha256~[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@detector(RULE, markers=('sha256~',))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "openshift access token")


check = RULE.check(since="1.0")(check_for(RULE.id))
