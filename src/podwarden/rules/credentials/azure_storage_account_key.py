"""Azure Storage account key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for an Azure Storage account key:
the `AccountKey=` of a storage connection string (`DefaultEndpointsProtocol=https;
AccountName=...;AccountKey=...`), Microsoft's identifiable storage key (88 base64
characters with the `+ASt` signature at offset 76), or an 88-character base64 key in a
field named like a storage key (`azurestorageaccountkey`, `AZURE_STORAGE_KEY`).
Cosmos DB connection strings are left to `credentials/azure-cosmos-db-key`; the Azurite
emulator's published key is not reported.

## Why
AKS guide, limit credential exposure: keys must not live in code or manifests. A storage
account key grants full control of every blob, queue, table and file share of the
account, and rotating it means redeploying everything that embeds it.

## Fix
Give the workload a Microsoft Entra Workload ID and an RBAC role on the storage account
(no key at all), or keep the key in Azure Key Vault and mount it through the Secrets Store
CSI driver. Rotate the exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import keyed_key_88
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import connection_keys, identifiable_88

RULE = rule("credentials/azure-storage-account-key", severity=Severity.HIGH, target="object")

_KEYED = lazy(r"(?:storage|account)(?:access)?key\d?$")
_IDENTIFIABLE = identifiable_88("+ASt")


@detector(RULE, markers=("accountkey=", "+ast"), keys=_KEYED.pattern)
def detect(leaf: Leaf) -> Iterator[Hit]:
    for key, pairs in connection_keys(leaf.text, "accountkey"):
        endpoint = pairs.get("accountendpoint", "")
        if "documents.azure" not in endpoint and "cosmos" not in endpoint:
            yield Hit(key, "azure storage account key in a connection string")
    for match in _IDENTIFIABLE.finditer(leaf.text):
        yield Hit(match.group(0), "azure storage account key")
    keyed = keyed_key_88(leaf, _KEYED)
    if keyed is not None:
        yield Hit(keyed, "azure storage account key")


check = RULE.check(since="1.0")(check_for(RULE.id))
