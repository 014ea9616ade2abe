"""Checksum annotations.

`checksum/config`, `checksum/secret` (Helm's roll-on-change idiom) and other annotations
or fields named like a checksum or hash hold a hash of some content, not the content:
a hex or base64 digest there is no credential, even when the name says "secret".
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_CHECKSUM = lazy(r"checksum|hash|fingerprint|(?:^|[/._-])sha(?:1|256|512)?(?:$|[/._-])", re.I)
_DIGEST_VALUE = lazy(r"^(?:sha\d*:|md5:)?(?:[0-9a-fA-F]{16,128}|[A-Za-z0-9+/]{20,88}={0,2})$")


def applies(c: Candidate) -> bool:
    names = [c.inner, c.key, *(p for p in c.path[-2:] if isinstance(p, str))]
    return any(_CHECKSUM.search(n) for n in names if n) and _DIGEST_VALUE.match(c.value.strip()) is not None
