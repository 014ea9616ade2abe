"""URL with a password in a manifest.

## What it checks
Every string of every object (Secret values decoded) for URLs that carry a password in
their user info, `scheme://user:password@host`: database URLs (`postgres://`, `mysql://`,
`mongodb+srv://`, `redis://:password@`, `amqp://`, `sqlserver://`), basic-auth HTTP(S)
URLs and git remotes with tokens (`https://oauth2:<token>@gitlab.com/...`), in env values,
args, scripts and embedded configuration files. A user without a password
(`ssh://git@github.com`) and placeholders (`user:$(DB_PASSWORD)@`, `user:<password>@`)
are not reported.

## Why
AKS guide, limit credential exposure: database connection strings are credentials and
must not be defined in code or manifests.

## Fix
Build the URL at run time from a password mounted from Azure Key Vault (Secrets Store CSI
driver), or better use Microsoft Entra authentication with Workload ID (Azure Database for
PostgreSQL/MySQL, Azure SQL, Azure Cache for Redis support it) so that no password exists.
Change the exposed password.
"""

import re
from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._memo import TextMemo
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/url-with-password", severity=Severity.HIGH, target="object")

_URL = lazy(
    r"\b([a-z][a-z0-9+.-]{1,24})://([^\s:@/?#\"'`]*):([^\s@/?#\"'`]+)@([A-Za-z0-9._\[\]-]+)", re.I
)
_DATABASES = ("postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "sqlserver", "jdbc",
              "cockroach", "clickhouse", "cassandra", "couchdb", "neo4j", "bolt", "memcached",
              "elasticsearch", "nats", "kafka", "mssql", "oracle", "db2", "influx")


def _hits(text: str) -> tuple[Hit, ...]:
    if "@" not in text:
        return ()  # most URLs: no user information, no password
    found = []
    for match in _URL.finditer(text):
        scheme = match.group(1).lower()
        what = "database URL with a password" if scheme.startswith(_DATABASES) else "URL with a password"
        found.append(Hit(match.group(3), what))
    return tuple(found)


#: what a text holds depends on the text alone: read once per distinct text
_HITS = TextMemo(_hits)


@detector(RULE, markers=("://",))
def detect(leaf: Leaf) -> Iterator[Hit]:
    yield from _HITS(leaf.text)


check = RULE.check(since="1.0")(check_for(RULE.id))
