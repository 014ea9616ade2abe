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

import re
from collections.abc import Iterator
from typing import Any

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.credentials._scan import (
    SECRET_WORDS,
    Hit,
    Leaf,
    Nested,
    b64decode_text,
    detector,
    is_secret_name,
    looks_random,
    normalise,
    parse_json,
    violations,
)

RULE = rule("credentials/generic-secret", severity=Severity.MEDIUM, target="object")

_ASSIGN = re.compile(
    r"""(?:^|[\s{,;(])["']?((?:--?)?[A-Za-z][A-Za-z0-9_.-]{1,60})["']?[ \t]*(?:=|:(?!//))[ \t]*"""
    r"""["']?([^\s"',;#}{]{8,512})""",
    re.M,
)
#: the MySQL and MariaDB clients' password flag, value attached (``-pS3cret``; ``-p`` alone
#: prompts, ``-p$VAR`` is a reference)
_MYSQL_PASSWORD = re.compile(
    r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb|mariadb-dump)\b"
    r"[^\n;&|]*?\s-p(?![$\s])([^\s\"'`]{4,512})"
)
_FLAG_SPACE = re.compile(r"(?:^|\s)(--?[A-Za-z][A-Za-z0-9-]{1,40})[ \t]+([^\s\"'-][^\s\"']{7,511})")



def _json_leaves(data: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(name, value) of the string leaves of an embedded JSON document."""
    if depth > 32:
        return
    if isinstance(data, dict):
        pair = data.get("name") if "value" in data else None
        for k, v in data.items():
            if isinstance(v, str):
                yield (pair if k == "value" and isinstance(pair, str) else str(k)), v
            else:
                yield from _json_leaves(v, depth + 1)
    elif isinstance(data, list):
        previous = ""
        for v in data:
            if isinstance(v, str):
                yield previous if previous.startswith("-") else "", v
                previous = v
            else:
                previous = ""
                yield from _json_leaves(v, depth + 1)


@detector(RULE, markers=("pass", "pwd", "secret", "token", "key", "credential", "connection", "creds", "mysql",
                         "mariadb"),
          keys=SECRET_WORDS, in_secrets=False, fallback=True)
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
    if leaf.depth or normalise(leaf.key) in ("description", "message", "help", "summary"):
        return  # embedded documents are read once, at the top
    data = parse_json(text) if text.lstrip()[:1] in ("{", "[") else None
    if data is not None:
        for name, inner in _json_leaves(data):
            if name and is_secret_name(name):
                yield Nested(inner, name, name, same_detector=True)
        return
    for match in _MYSQL_PASSWORD.finditer(text):
        yield Nested(match.group(1), "password", "-p", same_detector=True)
    if "=" not in text and ":" not in text and "--" not in text:
        return
    for pattern in (_ASSIGN, _FLAG_SPACE):
        for match in pattern.finditer(text):
            name, found = match.group(1), match.group(2)
            if is_secret_name(name):
                yield Nested(found, name, name.lstrip("-"), same_detector=True)


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    yield from violations(obj, RULE.id)
