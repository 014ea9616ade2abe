"""Azure shared access signature (SAS) token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for a SAS token: a Storage SAS
(query parameters `sv=<date>`, `sig=` and a resource scope `sr`, `ss`+`srt` or
permissions `sp`, as a full URL, a bare `?sv=...` token or a connection string's
`SharedAccessSignature=`), and a Service Bus / Event Hubs / IoT Hub token
(`SharedAccessSignature sr=...&sig=...&se=...`). Only the `sig` signature is the secret.

## Why
AKS guide, limit credential exposure: a SAS is a bearer credential; whoever reads the
manifest can use it until it expires, and it cannot be revoked short of rotating the
account key (or its stored access policy).

## Fix
Use Microsoft Entra Workload ID and RBAC instead of a SAS, or issue short-lived
user-delegation SAS tokens at run time. If a SAS must be stored, keep it in Azure Key
Vault (Secrets Store CSI driver). Revoke the exposed token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/azure-sas-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"[^\s\"'<>]*sig=[^\s\"'<>]*")
_PARAM = lazy(r"(?:^|[?&;])([A-Za-z]+)=([^&;?]*)")
_DATE = lazy(r"^\d{4}-\d{2}-\d{2}")
_SIG = lazy(r"^[A-Za-z0-9%+/=_-]{10,}$")


@detector(RULE, markers=("sig=",))
def detect(leaf: Leaf) -> Iterator[Hit]:
    text = leaf.text
    for match in _TOKEN.finditer(text):
        params = {k.lower(): v for k, v in _PARAM.findall(match.group(0))}
        sig = params.get("sig", "")
        if not _SIG.match(sig):
            continue
        storage = bool(_DATE.match(params.get("sv", ""))) and (
            "sr" in params or ("ss" in params and "srt" in params) or "sp" in params)
        before = text[max(0, match.start() - 40): match.start() + 1]
        messaging = "SharedAccessSignature" in before and "sr" in params and "se" in params
        if storage:
            yield Hit(sig, "azure storage sas token")
        elif messaging:
            yield Hit(sig, "azure shared access signature")


check = RULE.check(since="1.0")(check_for(RULE.id))
