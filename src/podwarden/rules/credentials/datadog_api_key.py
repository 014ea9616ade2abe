"""Datadog API or application key in a manifest.

## What it checks
Values given to a name that says Datadog (`DD_API_KEY`, `DD_APP_KEY`,
`DD_APPLICATION_KEY`, `DATADOG_API_KEY`, `datadogAppKey` ...) for the documented shapes
of Datadog keys: an API key is 32 lower-case hexadecimal digits, an application key 40.
The shape alone is not enough (a hex digest or a trace id has it too): the name decides.

## Why
AKS guide, limit credential exposure: an API key sends metrics, logs and events to the
organisation's account; an application key reads and changes its dashboards, monitors and
data through the API, with its owner's permissions.

## Fix
Keep the key in Azure Key Vault and mount it with the Secrets Store CSI driver; the Datadog
Agent's secrets management resolves `ENC[...]` handles through a secret backend that reads
mounted files. Revoke the exposed key in the Datadog organisation settings.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/datadog-api-key", severity=Severity.HIGH, target="object")

#: normalised names of Datadog keys: `dd` as a whole prefix, or `datadog` anywhere
_NAME = lazy(r"^dd(?:api|app|application)key$|datadog\w*(?:api|app|application)key")
_API = lazy(r"^[0-9a-f]{32}$")
_APP = lazy(r"^[0-9a-f]{40}$")


@detector(RULE, keys=r"^dd(?:api|app|application)key$|datadog", min_length=32)
def detect(leaf: Leaf) -> Iterator[Hit]:
    name = normalise(leaf.key)
    if not _NAME.search(name):
        return
    value = leaf.text.strip()
    if "apikey" in name and _API.match(value):
        yield Hit(value, "datadog api key")
    elif ("appkey" in name or "applicationkey" in name) and _APP.match(value):
        yield Hit(value, "datadog application key")


check = RULE.check(since="1.0")(check_for(RULE.id))
