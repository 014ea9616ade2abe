"""Hard-coded password in a manifest.

## What it checks
A literal value given to a password, secret, token or key (a name such as `DB_PASSWORD`,
`MYSQL_ROOT_PASSWORD`, `API_TOKEN`, `clientSecret`, `--db-password`), whatever its length
and randomness: in env values, args after a `--flag`, ConfigMap and annotation values,
`name`/`value` parameters, and inside embedded files and scripts (properties lines such as
`spring.datasource.password=...`, `.env`, INI and YAML files, `.pypirc`, `.netrc`,
`.npmrc` `_auth`/`_password`, `Password=` fields of connection strings, `curl -u
user:password`, `Authorization: Basic|Bearer|Token` headers, session cookies and
`?token=` query parameters). Severity is high for well-known default passwords
(`password`, `admin`, `changeme`, `root`, `postgres`, `guest`, `minioadmin` ...), medium
otherwise. Not reported: names that only mention a password (`PASSWORD_MIN_LENGTH`,
`PASSWORD_POLICY`, `PASSWORD_RESET_URL`, `*_FILE`, `TOKEN_TTL`), booleans and numbers,
`$(VAR)`/`${VAR}` references, `secretKeyRef`, fields naming a Secret, placeholders
(`<your-password>`, `REPLACE_ME`, `********`), empty values, values other credentials
rules already report at the same place, and committed Secrets (see
`credentials/committed-secret`).

## Why
AKS guide, limit credential exposure: fixed, shared credentials must not be defined in
manifests. A weak or default password is the first one an attacker tries, and a password
in a manifest is shared by every copy of it, in every environment.

## Fix
Generate a strong password, keep it in Azure Key Vault and mount it with the Secrets Store
CSI driver (the application reads the file, e.g. `POSTGRES_PASSWORD_FILE`); better, use
Microsoft Entra authentication with Workload ID where the service supports it (Azure
Database for PostgreSQL/MySQL, Azure SQL, Azure Cache for Redis), so that no password
exists. Change the exposed password.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._embedded import named_values
from podwarden.rules.credentials._leaf import Hit, Leaf, Nested
from podwarden.rules.credentials._names import SECRET_WORDS, is_identifier, is_secret_name, normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for
from podwarden.rules.credentials._text import b64decode_text
from podwarden.rules.credentials.generic_secret import MARKERS, PROSE

RULE = rule("credentials/hard-coded-password", severity=Severity.MEDIUM, target="object")

#: default and most common passwords, compared lower-case
WELL_KNOWN = frozenset({
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "pass", "passwd", "admin", "administrator",
    "changeme", "changeit", "root", "toor", "secret", "letmein", "welcome", "default", "guest",
    "test", "qwerty", "123456", "1234567", "12345678", "123456789", "1234567890", "111111",
    "postgres", "mysql", "oracle", "tiger", "manager", "master", "sa", "redis", "rabbitmq",
    "minioadmin", "minio123", "elastic", "neo4j", "prom-operator", "kibana", "jenkins",
    "nexus", "sonar", "keycloak", "user", "demo", "hunter2", "abc123", "iloveyou",
})
_WEAK_STEM = lazy(r"(?:password|passw0rd|admin|changeme|root|secret|letmein|welcome|qwerty|test)"
                        r"[0-9!@#$._-]{1,6}")
#: a plausible password: one line, no spaces, not a document, URL or list
_PLAUSIBLE = lazy(r"[^\s{}\[\]<>]{1,128}")
#: names whose value names a Secret object (``tlsSecret: my-tls``, ``tower_auth_secret``)
_NAMES_A_SECRET = lazy(r"(?:secret|secrets|credentials|creds)$")
_HOLDS_A_SECRET = lazy(r"(?:client|api|app|shared|consumer|webhook|cookie|session|jwt|signing)secrets?$")
_DNS_NAME = lazy(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
#: names that hold something else than a password: an access key id (the user half of a
#: pair), a connection string (its password is connection-string-password's), a kind of
#: credential (Azure SDK settings' `__credential: managedidentity`), the key of
#: a Secret that holds the password (``passwordKey``, ``passphraseKey``, ``tokenKey``)
_NOT_A_PASSWORD = lazy(r"accesskey(?:id)?$|accessid$|connectionstring$|connstr$|credential$|"
                             r"(?:password|passphrase|passwd|token|credentials?)key$")
#: ``secretKey: db-password`` (ExternalSecret, Strimzi) names a key of a Secret
_NAMES_A_KEY = lazy(r"secretkey$")
#: nsswitch.conf's `passwd: files` names a source of user accounts
_NSSWITCH = frozenset({"files", "compat", "nis", "nisplus", "ldap", "sss", "systemd", "db", "dns",
                       "winbind", "myhostname", "resolve", "altfiles", "cache"})
_RELATIVE_PATH = lazy(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?")


def is_weak_default(value: str) -> bool:
    """A well-known default or most common password (``admin``, ``changeme123``); an
    all-capitals word (``SECRET``, ``PASSWORD``) is a stand-in, not a default."""
    if value.isupper():
        return False
    low = value.lower()
    return low in WELL_KNOWN or _WEAK_STEM.fullmatch(low) is not None


def _literal(leaf: Leaf) -> Iterator[Hit | Nested]:
    value = leaf.text.strip().strip("\"'")
    if not _PLAUSIBLE.fullmatch(value) or "://" in value:
        return
    norm = normalise(leaf.key.rsplit("/", 1)[-1])
    if _NOT_A_PASSWORD.search(norm) or (norm == "passwd" and value in _NSSWITCH):
        return
    if _NAMES_A_KEY.search(norm) and _DNS_NAME.fullmatch(value) and ("-" in value or "." in value):
        return
    if (_NAMES_A_SECRET.search(norm) and not _HOLDS_A_SECRET.search(norm)
            and _DNS_NAME.fullmatch(value) and not is_weak_default(value)):
        return  # `adminSecret: grafana-admin` names a Secret object
    if _RELATIVE_PATH.fullmatch(value) and not value.endswith("="):
        return  # `my/secret/file`: where the password is, not what
    if len(value) >= 16 and is_identifier(value) and "password" not in norm:
        return  # a long name in CONSTANT_CASE or kebab-case: a reference to something
    decoded = b64decode_text(value) if len(value) >= 12 else None
    if decoded and 4 <= len(decoded) <= 128 and decoded.isprintable():
        # base64 of text: judge (and fingerprint) what it encodes
        yield Nested(decoded, leaf.key, leaf.inner, same_detector=True)
    elif is_weak_default(value):
        yield Hit(value, "well-known default password", severity=Severity.HIGH, weak_default=True)
    else:
        yield Hit(value, "hard-coded password")


# labels are public metadata, never credentials (the scan drops what this finds there)
@detector(RULE, markers=MARKERS, keys=SECRET_WORDS, in_secrets=False, rank=2, min_length=1, in_labels=False)
def detect(leaf: Leaf) -> Iterator[Hit | Nested]:
    if leaf.key and is_secret_name(leaf.key.rsplit("/", 1)[-1]):
        hits = list(_literal(leaf))
        if hits or leaf.depth:
            yield from hits
            return
    if leaf.depth or normalise(leaf.key) in PROSE:
        return  # embedded documents are read once, at the top
    for named in named_values(leaf.text):
        if named.whole and is_secret_name(named.name.rsplit("/", 1)[-1]):
            yield Nested(named.value, named.name, named.inner, same_detector=True)


check = RULE.check(since="1.0")(check_for(RULE.id))
