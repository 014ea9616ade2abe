"""Private key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a private key: PEM armor
`-----BEGIN [RSA|EC|DSA|OPENSSH|ENCRYPTED ]PRIVATE KEY-----` with a body of at least 64
characters (as a block scalar, with `\n` escapes inside JSON, or inside a script), PGP
private key blocks, PuTTY key files, and the base64 form of any of them (kubeconfig
`client-key-data`, also in a kubeconfig carried in a Secret or a ConfigMap value, `tls.key`
in a ConfigMap, a key inside a base64 value), decoded and scanned again. The armor
decides: a body that decodes to a key structure (DER for RSA, EC, DSA and PKCS#8 keys,
`openssh-key-v1` for OpenSSH keys, ciphertext under `Proc-Type: 4,ENCRYPTED`) is reported
whatever the key it sits under is named (`tls.pem`, `signing-key.crt`) and whatever runs
of one character its base64 holds. The private key of a Google Cloud service-account key
file (`"type": "service_account"`) is reported as such. Certificates and public keys are
not reported.

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

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf, Nested
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import b64decode_bytes, b64decode_text

RULE = rule("credentials/private-key", severity=Severity.HIGH, target="object")

_PEM = lazy(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----(.*?)(?:-----END |\Z)", re.S
)
_PUTTY = lazy(r"PuTTY-User-Key-File-\d+:.*?Private-Lines: *\d+\s+(.*?)(?:Private-MAC|\Z)", re.S)
_BASE64_PEM = lazy(r"LS0tLS1CRUdJTi[A-Za-z0-9+/=\s\\n]*")
_SERVICE_ACCOUNT = lazy(r'"type"\s*:\s*"service_account"')
_OPENSSH_MAGIC = b"openssh-key-v1\x00"


def _body(text: str) -> tuple[str, bool]:
    """The base64 body of an armored block, and whether it had RFC 1421 headers."""
    lines = text.replace("\\n", "\n").splitlines()
    body = [ln for ln in lines if ":" not in ln]
    return "".join("".join(body).split()), len(body) < len(lines)


def _is_key_structure(label: str, body: str, headers: bool) -> bool:
    """True when ``body`` decodes to what the armor's label promises (so it is a real key,
    not a truncated or masked sample): DER starts with a SEQUENCE, OpenSSH keys with their
    magic, legacy encrypted PEM (headers) is ciphertext of any shape."""
    raw = b64decode_bytes(body)
    if raw is None or len(raw) < 48:
        return False
    if label == "openssh":
        return raw.startswith(_OPENSSH_MAGIC)
    return headers or raw[0] == 0x30


@detector(RULE, markers=("private key", "ls0tls1crudjti", "putty-user-key-file"))
def detect(leaf: Leaf) -> Iterator[Hit | Nested]:
    text = leaf.text
    service_account = _SERVICE_ACCOUNT.search(text) is not None
    for match in _PEM.finditer(text):
        body, headers = _body(match.group(3))
        if len(body) >= 64:
            label = (match.group(1) or "").strip().lower()
            kind = "pgp private key" if match.group(2) else f"{label + ' ' if label else ''}private key"
            if service_account:
                kind = "google service account key"
            armored = not match.group(2) and _is_key_structure(label, body, headers)
            yield Hit(body, kind, armored=armored)
    for match in _PUTTY.finditer(text):
        body, _ = _body(match.group(1))
        if len(body) >= 64:
            yield Hit(body, "putty private key")
    for match in _BASE64_PEM.finditer(text):
        decoded = b64decode_text(match.group(0).replace("\\n", ""))
        if decoded and "PRIVATE KEY" in decoded:
            yield Nested(decoded, leaf.key)


check = RULE.check(since="1.0")(check_for(RULE.id))
