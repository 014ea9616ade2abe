"""Public certificates and public keys.

`-----BEGIN CERTIFICATE-----`, `BEGIN PUBLIC KEY`, OpenSSH public keys (`ssh-rsa AAAA...`,
`ssh-ed25519`, `ecdsa-sha2-*`), their base64 forms (`caBundle`,
`certificate-authority-data`, `client-certificate-data`) are meant to be shared: only the
matching private key is a credential. A body taken from inside validated private-key
armor is never judged by its name here (`signing-key.pem`, `tls.pem` hold private keys
too): the armor decides.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_PUBLIC = lazy(
    r"-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|TRUSTED CERTIFICATE|CERTIFICATE REQUEST|"
    r"PGP PUBLIC KEY BLOCK|SSH2 PUBLIC KEY)-----"
    r"|^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) AAAA"
    # base64 of "-----BEGIN CERTIFICATE" / "-----BEGIN PUBLIC"
    r"|^LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS|^LS0tLS1CRUdJTiBQVUJMSUMg"
)
_CERT_NAME = lazy(r"cabundle|certificate|(?:^|[._-])(?:crt|cert|pem|pub|ca)(?:$|[._-])|publickey", re.I)


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if c.armored or "PRIVATE KEY" in value:
        return False
    if _PUBLIC.search(value):
        return True
    # DER certificates in base64 start "MII"; in a certificate-named field they are public
    names = [c.inner, c.key]
    return value.startswith("MII") and any(_CERT_NAME.search(n) for n in names if n)
