"""Private key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a private key: PEM armor
`-----BEGIN [RSA|EC|DSA|OPENSSH|ENCRYPTED ]PRIVATE KEY-----` with a body of at least 64
characters (as a block scalar, with `\n` escapes inside JSON, or inside a script), PGP
private key blocks, PuTTY key files, and the base64 form of any of them (kubeconfig
`client-key-data`, `tls.key` in a ConfigMap, a key inside a base64 value), decoded and
scanned again. Certificates and public keys are not reported.

## Why
AKS guide, limit credential exposure: certificates' private keys are credentials. A TLS or
client key in a manifest lets anyone impersonate the server or the client it belongs to.

## Fix
Keep keys and certificates in Azure Key Vault and deliver them with the Secrets Store CSI
driver (`objectType: secret` for a certificate with its key), or let cert-manager issue
them in the cluster. Revoke and reissue the exposed key.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf, Nested
from podwarden.rules.credentials._scan import violations
from podwarden.rules.credentials._text import b64decode_text

RULE = rule("credentials/private-key", severity=Severity.HIGH, target="object")

_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----(.*?)(?:-----END |\Z)", re.S
)
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d+:.*?Private-Lines: *\d+\s+(.*?)(?:Private-MAC|\Z)", re.S)
_BASE64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=\s\\n]*")
_BODY_NOISE = re.compile(r"\\n|\\r|\s|^[A-Za-z-]+:.*$", re.M)


def _body(text: str) -> str:
    lines = [ln for ln in text.replace("\\n", "\n").splitlines() if ":" not in ln]
    return "".join("".join(lines).split())


@detector(RULE, markers=("private key", "ls0tls1crudjti", "putty-user-key-file"))
def detect(leaf: Leaf) -> Iterator[Hit | Nested]:
    text = leaf.text
    for match in _PEM.finditer(text):
        body = _body(match.group(3))
        if len(body) >= 64:
            label = (match.group(1) or "").strip().lower()
            kind = "pgp private key" if match.group(2) else f"{label + ' ' if label else ''}private key"
            yield Hit(body, kind)
    for match in _PUTTY.finditer(text):
        body = _body(match.group(1))
        if len(body) >= 64:
            yield Hit(body, "putty private key")
    for match in _BASE64_PEM.finditer(text):
        decoded = b64decode_text(match.group(0).replace("\\n", ""))
        if decoded and "PRIVATE KEY" in decoded:
            yield Nested(decoded, leaf.key)


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    yield from violations(obj, RULE.id)
