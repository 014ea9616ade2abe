"""Image digests and content hashes.

`sha256:<64 hex>` (an image digest, `image@sha256:...`, an OCI descriptor) and values of
fields named `digest`, `imageID` or `sha` are content addresses, public by design.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_DIGEST = lazy(r"(?:^|@)sha(?:256|384|512|1):[0-9a-f]{32,128}$|^[0-9a-f]{64}$", re.I)
_DIGEST_NAME = lazy(r"digest|imageid|^sha(?:256|512|1)?$", re.I)


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if _DIGEST.search(value) and (value.lower().startswith("sha") or "@" in value):
        return True
    return bool(_DIGEST_NAME.search(c.inner or c.key)) and re.fullmatch(r"[0-9a-fA-F:sha]+", value) is not None
