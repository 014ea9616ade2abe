"""File paths.

`/var/run/secrets/azure/tokens/azure-identity-token`, `./certs/client.key`,
`~/.ssh/id_rsa`: a field named `token` or `keyFile` often says *where* a credential is
mounted; a path is never the credential itself.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_PATH = lazy(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)[A-Za-z0-9._@:{}$-]*(?:[/\\][A-Za-z0-9._@:{}$-]*)+$|"
                   r"^[A-Za-z0-9._-]+/[A-Za-z0-9._/-]*\.(?:pem|key|crt|json|yaml|yml|txt|p12|pfx|jks)$")


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if not _PATH.match(value):
        return False
    # a base64 key may start with "/": real paths have word-like segments
    segments = [s for s in re.split(r"[/\\]", value) if s]
    return all(len(s) <= 64 for s in segments) and not value.endswith("=")
