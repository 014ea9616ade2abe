"""HashiCorp Vault token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for HashiCorp Vault tokens in their
current forms: service tokens `hvs.`, batch tokens `hvb.` and recovery tokens `hvr.`
followed by at least 24 characters of `[A-Za-z0-9_-]`; and the legacy service-token form
(`s.` followed by 24 letters and digits) only as the whole value of a field whose name
says token or Vault (`VAULT_TOKEN`, `vaultToken`), as `s.` starts many ordinary words.

## Why
AKS guide, limit credential exposure: a Vault token reads every secret its policies allow, from anywhere,
until it expires: one token in a manifest can expose many secrets.

## Fix
Authenticate the workload to Vault with its Kubernetes service account (the Kubernetes
or JWT auth method) or, on AKS, keep secrets in Azure Key Vault with Workload ID. Revoke
the exposed token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._names import normalise
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/vault-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,}(?![A-Za-z0-9_-])")
#: the form before Vault 1.10: `s.` and 24 base62 characters, judged by its field's name
_LEGACY = lazy(r"s\.[A-Za-z0-9]{24}")
_LEGACY_NAME = lazy(r"token|vault")


@detector(RULE, markers=('hvs.', 'hvb.', 'hvr.'), keys=r"token|vault")
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "hashicorp vault token")
    value = leaf.text.strip()
    if _LEGACY.fullmatch(value) and _LEGACY_NAME.search(normalise(leaf.key)):
        yield Hit(value, "hashicorp vault token")


check = RULE.check(since="1.0")(check_for(RULE.id))
