"""JSON Web Token (bearer token) in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a signed JWT: three base64url
parts, the first two decoding to JSON objects (the header naming an algorithm other than
`none`), the signature at least 16 characters. Kubeconfig `token:` fields, Kubernetes
service-account tokens, `Authorization: Bearer` headers in ingress snippets and ACR
refresh tokens all take this form. Projected `serviceAccountToken` volumes and token file
paths are requests and places, not tokens, and are not reported.

## Why
AKS guide, limit credential exposure: a bearer token works for whoever holds it. A
long-lived service-account token grants that account's permissions from outside the
cluster.

## Fix
Use projected, short-lived service-account tokens (the default since Kubernetes 1.24) and
Microsoft Entra Workload ID; never paste a token into a manifest. Revoke the exposed token
(delete its Secret or rotate the signing key).
"""

from collections.abc import Iterator
from typing import Any

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import b64decode_text

RULE = rule("credentials/jwt-token", severity=Severity.HIGH, target="object")

_JWT = lazy(r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{16,})")


def _json(part: str) -> Any:
    decoded = b64decode_text(part)
    if decoded is None:
        return None
    import json  # here: most runs meet no token

    try:
        return json.loads(decoded)
    except ValueError:
        return None


@detector(RULE, markers=("eyj",))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _JWT.finditer(leaf.text):
        header, payload = _json(match.group(1)), _json(match.group(2))
        if not isinstance(header, dict) or not isinstance(payload, dict):
            continue
        if str(header.get("alg", "")).lower() in ("", "none"):
            continue
        issuer = str(payload.get("iss", ""))
        what = "kubernetes service account token" if "serviceaccount" in issuer else "json web token"
        yield Hit(match.group(0), what)


check = RULE.check(since="1.0")(check_for(RULE.id))
