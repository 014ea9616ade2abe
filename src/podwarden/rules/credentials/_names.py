"""Names and values: when a field's name says it holds a secret, and when a value looks
generated rather than like a word, a name or a setting."""

from __future__ import annotations

import functools

from podwarden.rules.credentials._leaf import Leaf
from podwarden.rules.credentials._pattern import LazyPattern, lazy
from podwarden.rules.credentials._text import KEY_88, entropy

_NOT_LETTER_OR_DIGIT = lazy(r"[^a-z0-9]")


@functools.lru_cache(maxsize=8192)
def normalise(key: str) -> str:
    """``DB_Password`` -> ``dbpassword``: how key patterns see a name."""
    low = key.lower()
    if low.isalnum() and low.isascii():  # most names: nothing to remove
        return low
    return _NOT_LETTER_OR_DIGIT.sub("", low)


SECRET_WORDS = (
    r"password|passwd|passphrase|^pwd|pwd$|dbpass|secret|token|apikey|accesskey|authkey|privatekey|"
    r"clientkey|signingkey|encryptionkey|masterkey|accountkey|sharedkey|servicekey|storagekey|"
    r"credential|creds$|connectionstring|connstr|sastoken|saskey|^sas$|bearer|sessionkey|hmackey|"
    r"licensekey|secretkey"
)
_SECRET_NAME = lazy(SECRET_WORDS)
#: names of settings *about* a secret (normalised: lower-case, letters and digits only):
#: those ending in one of these ...
_NOT_SECRET_ENDS = (
    "name", "names", "id", "ids", "file", "files", "path", "paths", "dir", "directory", "url",
    "uri", "urls", "endpoint", "host", "port", "header", "format", "length", "size", "ttl",
    "timeout", "expiry", "expiration", "expires", "expiresin", "lifetime", "duration", "seconds",
    "minutes", "hours", "days", "period", "interval", "enabled", "enable", "disabled", "required",
    "alg", "algo", "algorithm", "rotation", "ref", "refs", "reference", "version", "type", "policy",
    "mode", "mount", "volume", "store", "provider", "issuer", "audience", "scope", "scopes",
    "count", "namespace", "label", "selector", "field", "fields", "source", "template", "prefix",
    "suffix", "annotation", "class", "kind", "method", "location", "generator", "hash", "checksum",
    "digest", "sha", "mask", "regex", "pattern", "description", "help", "text", "title", "message",
    "query", "param", "parameter", "keys", "secrets", "tokens", "passwords", "usage", "encoding",
    "encryption", "charset", "strength", "complexity", "role", "user", "login", "email", "account",
    "server", "database", "image", "env", "envs", "time", "date", "updated", "created", "modified",
    "at", "attempts", "retries", "limit", "maxage", "strategy", "backend", "validation",
    "validator", "reset", "resetlink", "hint", "prompt", "rules",
)
#: ... or starting with one of these
_NOT_SECRET_STARTS = (
    "public", "csrf", "xsrf", "primary", "show", "use", "enable", "disable", "is", "has", "allow",
    "require", "generate", "skip", "insecure", "no", "with", "create", "auto", "rotate", "sync", "mount",
    "default", "cert",
)
_IDENTIFIER = lazy(
    r"^[a-z][a-z0-9]*(?:[-_.:/][a-z0-9]+)+$"          # kebab, snake, dotted, paths: names
    r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"               # CONSTANT_CASE
    r"|^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*\d{0,4}$"         # words in camelCase (no nested
    #                                                   quantifier: it must never backtrack)
    r"|^[^@\s]+@[^@\s]+\.[a-z]{2,}$"                  # e-mail addresses
)
#: ``Name=Value;Name=...``: a connection string, judged by its parts (connection-string rules)
_PAIRS = lazy(r"^[A-Za-z][A-Za-z0-9 _.-]*=[^;]*;[A-Za-z][A-Za-z0-9 _.-]*=")


@functools.lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """True when a field's name says its value is secret."""
    norm = normalise(name)
    return (bool(norm) and _SECRET_NAME.search(norm) is not None
            and not norm.endswith(_NOT_SECRET_ENDS) and not norm.startswith(_NOT_SECRET_STARTS))


def is_identifier(value: str) -> bool:
    """True for names: kebab, snake or dotted words, CONSTANT_CASE, camelCase, e-mail."""
    return _IDENTIFIER.match(value) is not None


def looks_random(value: str) -> bool:
    """True when a value looks generated rather than a word, a name or a setting."""
    n = len(value)
    if n < 8 or n > 512 or any(ch.isspace() for ch in value) or "://" in value:
        return False
    classes = (any(ch.islower() for ch in value) + any(ch.isupper() for ch in value)
               + any(ch.isdigit() for ch in value) + any(not ch.isalnum() for ch in value))
    if classes < 2 or _IDENTIFIER.match(value) or _PAIRS.match(value):
        return False
    floor = 2.7 if n < 12 else 3.0 if n < 20 else 3.3 if n < 40 else 3.5
    return entropy(value) >= floor


def keyed_key_88(leaf: Leaf, keyed: LazyPattern) -> str | None:
    """The value of a leaf whose name matches ``keyed`` when it is a bare 88-character key."""
    value = leaf.text.strip()
    if leaf.key and keyed.search(normalise(leaf.key)) and KEY_88.match(value):
        return value
    return None
