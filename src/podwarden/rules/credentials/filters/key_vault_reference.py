"""Key Vault references.

`https://<vault>.vault.azure.net/secrets/<name>/<version>` and App Service's
`@Microsoft.KeyVault(SecretUri=...)` / `@Microsoft.KeyVault(VaultName=...;SecretName=...)`
point at a secret in Azure Key Vault, exactly where the AKS guide wants it; the 32-hex
version id in them looks random but is no credential.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._memo import TextMemo
from podwarden.rules.credentials._pattern import lazy

_VAULT = lazy(r"\.vault\.azure\.net/(?:secrets|keys|certificates)/|@Microsoft\.KeyVault\(", re.I)


def _vault_parts_of(leaf: str) -> frozenset[str] | None:
    """The ``/``-separated parts of a text that names a vault item, else None."""
    return frozenset(leaf.split("/")) if _VAULT.search(leaf) else None


#: once per text, not once per candidate (a long text can hold thousands): the texts seen,
#: within a budget, and the last text whatever its length (its candidates come together)
_vault_parts = TextMemo(_vault_parts_of)
_last: tuple[str, frozenset[str] | None] = ("", None)


def applies(c: Candidate) -> bool:
    global _last
    if _VAULT.search(c.value) is not None:
        return True
    text, parts = _last
    if text is not c.leaf:
        parts = _vault_parts(c.leaf)
        _last = (c.leaf, parts)
    return parts is not None and c.value in parts
