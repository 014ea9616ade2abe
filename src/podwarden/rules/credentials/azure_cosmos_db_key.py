"""Azure Cosmos DB key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a Cosmos DB account key: the
`AccountKey=` of a connection string whose `AccountEndpoint` is a Cosmos DB endpoint
(`https://<account>.documents.azure.com:443/`, `.table.cosmos.azure.com`), Microsoft's
identifiable Cosmos DB key (88 base64 characters with the `ACDb` signature at offset 76),
or an 88-character base64 key in a field named like a Cosmos key (`COSMOS_KEY`,
`CosmosDb__Key`).

## Why
AKS guide, limit credential exposure: connection strings and keys must not live in
manifests. A Cosmos DB primary key reads and writes every database of the account.

## Fix
Use Microsoft Entra Workload ID with Cosmos DB data-plane RBAC, or keep the key in Azure
Key Vault and mount it with the Secrets Store CSI driver. Regenerate the exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import keyed_key_88
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import connection_keys, identifiable_88

RULE = rule("credentials/azure-cosmos-db-key", severity=Severity.HIGH, target="object")

_KEYED = lazy(r"cosmos\w*key\d?$")
_IDENTIFIABLE = identifiable_88("ACDb")


@detector(RULE, markers=("documents.azure.com", "cosmos.azure.com", "acdb"), keys=_KEYED.pattern)
def detect(leaf: Leaf) -> Iterator[Hit]:
    for key, pairs in connection_keys(leaf.text, "accountkey"):
        endpoint = pairs.get("accountendpoint", "")
        if "documents.azure" in endpoint or "cosmos" in endpoint:
            yield Hit(key, "azure cosmos db key in a connection string")
    for match in _IDENTIFIABLE.finditer(leaf.text):
        yield Hit(match.group(0), "azure cosmos db key")
    keyed = keyed_key_88(leaf, _KEYED)
    if keyed is not None:
        yield Hit(keyed, "azure cosmos db key")


check = RULE.check(since="1.0")(check_for(RULE.id))
