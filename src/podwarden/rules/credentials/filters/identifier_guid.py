"""GUIDs that identify.

A GUID in a field named like an id (`clientId`, `AZURE_CLIENT_ID`, `tenantId`,
`subscriptionId`, `objectId`, `principalId`, `keyId`) or in a Microsoft Entra Workload ID
annotation (`azure.workload.identity/client-id`, `tenant-id`) names an application,
tenant or key: it identifies, it never authenticates.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_GUID = lazy(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
_ID_NAME = lazy(r"(?:^|[^a-z])ids?(?:$|[^a-z])|[a-z]ids?$|client|tenant|subscription|principal|"
                      r"objectid|workload\.identity", re.I)


def applies(c: Candidate) -> bool:
    if not _GUID.match(c.value.strip()):
        return False
    names = [c.key, c.inner, *(p for p in c.path[-3:] if isinstance(p, str))]
    return any(_ID_NAME.search(name) for name in names if name)
