"""Secret-like value in a field named like a secret.

## What it checks
Values whose name says they are secret (password, passwd, pwd, secret, token, api key,
access key, private key, client secret, connection string, credentials, signing key, SAS)
and that look random rather than like a word or a setting: at least 8 characters, no
spaces, two or more character classes, Shannon entropy above a floor that rises with
length. The name is whatever names the value: the map key, an env var's `name`, the
`name` of any `name`/`value` pair (Helm and Argo CD parameters), the `--flag` before an
args item, or a key inside an embedded document (JSON, YAML, `.env`, properties and INI
text in a ConfigMap, `--password=...` or a MySQL client's `-pPASSWORD` in a script, the
last-applied-configuration annotation). Names of settings about a secret (`*_FILE`, `*_PATH`, `*_NAME`, `*_ID`,
`*_URL`, `*_TTL`, `*Ref`, `public_key`, `csrf_token` ...) are not secrets. Values other
rules already reported, and committed Secrets (see `credentials/committed-secret`), are
left to those rules.

## Why
AKS guide, limit credential exposure: fixed or shared passwords and keys must not be
defined in manifests; if they leak, the application must be updated and redeployed.

## Fix
Move the value to Azure Key Vault and mount it with the Secrets Store CSI driver (or sync
it to a Kubernetes Secret created by the driver and reference it with
`valueFrom.secretKeyRef`); better, replace the password with Microsoft Entra Workload ID.
Change the exposed value.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._embedded import named_values
from podwarden.rules.credentials._leaf import Hit, Leaf, Nested
from podwarden.rules.credentials._names import SECRET_WORDS, is_secret_name, looks_random, normalise
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import b64decode_text

RULE = rule("credentials/generic-secret", severity=Severity.MEDIUM, target="object")

#: what makes a leaf worth reading for named values (besides a secret-sounding key)
MARKERS = ("pass", "pwd", "secret", "token", "key", "credential", "connection", "creds", "mysql", "mariadb",
           "curl", "authorization", "cookie", "machine", ":_auth")
#: keys whose values are prose, not configuration
PROSE = frozenset({"description", "message", "help", "summary"})


@detector(RULE, markers=MARKERS, keys=SECRET_WORDS, in_secrets=False, rank=1)
def detect(leaf: Leaf) -> Iterator[Hit | Nested]:
    text = leaf.text
    value = text.strip().strip("\"'")
    if leaf.key and is_secret_name(leaf.key):
        decoded = b64decode_text(value) if len(value) >= 12 else None
        if decoded and len(decoded) >= 4:
            # base64 of text: judge (and fingerprint) what it encodes
            yield Nested(decoded, leaf.key, leaf.inner, same_detector=True)
            return
        if looks_random(value):
            yield Hit(value, "secret-like value")
            return
    if leaf.depth or normalise(leaf.key) in PROSE:
        return  # embedded documents are read once, at the top
    for named in named_values(text):
        if is_secret_name(named.name):
            yield Nested(named.value, named.name, named.inner, same_detector=True)


check = RULE.check(since="1.0")(check_for(RULE.id))
