"""Other Microsoft identifiable key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for Azure keys that carry Microsoft's
fixed signature at a fixed offset and have no rule of their own: Azure Functions keys
(`AzFu` at offset 44), Azure Cache for Redis keys (`AzCa` at 33), Event Grid keys (`AZEG`
at 33), Azure AI Search admin and query keys (`AzSe` at 42), API Management keys (`APIM`
at 76) and Batch keys (`+ABa` at 76). The signature makes these findings near-certain.

## Why
AKS guide, limit credential exposure: service keys must not be defined in manifests;
store them in Azure Key Vault and rotate them regularly.

## Fix
Prefer Microsoft Entra Workload ID and RBAC where the service supports it; otherwise keep
the key in Azure Key Vault (Secrets Store CSI driver). Regenerate the exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import identifiable_88

RULE = rule("credentials/azure-identifiable-key", severity=Severity.HIGH, target="object")

_B64 = "[A-Za-z0-9+/]"
_PATTERNS = (
    (lazy(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{44}AzFu[A-Za-z0-9_-]{5}[AQgw]=="), "azure functions key"),
    (lazy(rf"(?<!{_B64}){_B64}{{33}}AzCa[A-P]{_B64}{{5}}="), "azure cache for redis key"),
    (lazy(rf"(?<!{_B64}){_B64}{{33}}AZEG[A-P]{_B64}{{5}}="), "azure event grid key"),
    (lazy(r"(?<![A-Za-z0-9])[A-Za-z0-9]{42}AzSe[A-D][A-Za-z0-9]{5}(?![A-Za-z0-9])"), "azure ai search key"),
    (identifiable_88("APIM"), "azure api management key"),
    (identifiable_88("+ABa"), "azure batch key"),
)


@detector(RULE, markers=("azfu", "azca", "azeg", "azse", "apim", "+aba"))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for pattern, what in _PATTERNS:
        for match in pattern.finditer(leaf.text):
            yield Hit(match.group(0), what)


check = RULE.check(since="1.0")(check_for(RULE.id))
