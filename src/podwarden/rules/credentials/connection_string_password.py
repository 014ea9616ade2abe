"""Password in a connection string in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a password inside a
`Name=Value` connection string: ADO.NET / Azure SQL (`Server=tcp:<srv>.database.windows.net;
...;Password=...` or `Pwd=`), JDBC (`jdbc:...;password=...`, `?password=`), Azure Cache
for Redis / StackExchange.Redis (`<name>.redis.cache.windows.net:6380,password=...`) and
Azure App Configuration (`Endpoint=https://<name>.azconfig.io;Id=...;Secret=...`).
Passwordless strings (`Authentication=Active Directory Workload Identity`) carry nothing
to report.

## Why
AKS guide, limit credential exposure: database connection strings are named as the
first example of what must not be in code or manifests.

## Fix
Use Microsoft Entra authentication with Workload ID (`Authentication=Active Directory
Workload Identity` for Azure SQL, Entra auth for Redis and App Configuration) so the
string needs no password, or keep the connection string in Azure Key Vault (Secrets
Store CSI driver). Change the exposed password.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/connection-string-password", severity=Severity.HIGH, target="object")

# a password pair that follows another pair of the same string (; , & ?) ...
_AFTER = lazy(
    r"[;,&?]\s*(password|pwd|passwd|user password|secret)\s*=\s*([^;,&\s\"'`]+)", re.I
)
# ... or starts a string that continues with another pair
_FIRST = lazy(r"(?:^|[\s\"'])(password|pwd|secret)\s*=\s*([^;\s\"'`]+);\s*[A-Za-z ]+=", re.I)


@detector(RULE, markers=("password=", "pwd=", "passwd=", "password =", "secret="))
def detect(leaf: Leaf) -> Iterator[Hit]:
    text = leaf.text
    for pattern in (_AFTER, _FIRST):
        for match in pattern.finditer(text):
            name = match.group(1).lower()
            if name == "secret" and "azconfig" not in text.lower():
                continue  # `Secret=` only in App Configuration strings
            what = ("azure app configuration secret" if name == "secret"
                    else "password in a connection string")
            yield Hit(match.group(2), what)


check = RULE.check(since="1.0")(check_for(RULE.id))
