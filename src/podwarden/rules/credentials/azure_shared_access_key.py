"""Azure Service Bus, Event Hubs, IoT Hub or Relay shared access key in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a shared access key: the
`SharedAccessKey=` of a connection string (`Endpoint=sb://<ns>.servicebus.windows.net/;
SharedAccessKeyName=...;SharedAccessKey=...`, `HostName=<hub>.azure-devices.net;...`),
Microsoft's identifiable keys (44 base64 characters with `+ASb` Service Bus, `+AEh`
Event Hubs, `AIoT` IoT Hub / DPS / devices or `+ARm` Relay at offset 33), or a value in a
field named `SharedAccessKey`. A policy name alone (`SharedAccessKeyName=
RootManageSharedAccessKey`) is not reported.

## Why
AKS guide, limit credential exposure: connection strings must not live in manifests. A
`RootManageSharedAccessKey` can send, receive and manage every entity of the namespace.

## Fix
Use Microsoft Entra Workload ID with the Azure Service Bus / Event Hubs data roles, or
keep the connection string in Azure Key Vault (Secrets Store CSI driver). Regenerate the
exposed key.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import connection_keys

RULE = rule("credentials/azure-shared-access-key", severity=Severity.HIGH, target="object")

_IDENTIFIABLE = lazy(
    r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{33}(\+ASb|\+AEh|AIoT|\+ARm)[A-P][A-Za-z0-9+/]{5}="
)
_SERVICE = {"+ASb": "azure service bus key", "+AEh": "azure event hubs key",
            "AIoT": "azure iot hub key", "+ARm": "azure relay key"}


def _label(pairs: dict[str, str]) -> str:
    where = pairs.get("endpoint", "") + pairs.get("hostname", "")
    if "azure-devices" in where:
        return "azure iot hub key in a connection string"
    if "servicebus" in where:
        return "azure service bus or event hubs key in a connection string"
    return "shared access key in a connection string"


@detector(RULE, markers=("sharedaccesskey=", "+asb", "+aeh", "aiot", "+arm"), keys=r"^sharedaccesskey$")
def detect(leaf: Leaf) -> Iterator[Hit]:
    text = leaf.text
    for key, pairs in connection_keys(text, "sharedaccesskey"):
        yield Hit(key, _label(pairs))
    for match in _IDENTIFIABLE.finditer(text):
        yield Hit(match.group(0), _SERVICE[match.group(1)])
    if leaf.key and normalise(leaf.key) == "sharedaccesskey" and "=" not in text.rstrip("="):
        yield Hit(text.strip(), "shared access key")


check = RULE.check(since="1.0")(check_for(RULE.id))
