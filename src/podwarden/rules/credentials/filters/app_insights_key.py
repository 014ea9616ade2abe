"""Application Insights instrumentation keys.

An Application Insights connection string (`InstrumentationKey=<GUID>;IngestionEndpoint=
https://...`) or `APPINSIGHTS_INSTRUMENTATIONKEY=<GUID>`: Microsoft documents the
instrumentation key as an identifier, not a security token, and not a secret.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_IKEY_STRING = lazy(rf"^\s*InstrumentationKey={_GUID}(?:;[A-Za-z]+=[^;]*)*;?\s*$", re.I)
_IKEY_NAME = lazy(r"instrumentationkey|appinsights|applicationinsights", re.I)


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if _IKEY_STRING.match(value):
        return True
    names = [c.inner, c.key]
    return re.fullmatch(_GUID, value) is not None and any(_IKEY_NAME.search(n) for n in names if n)
