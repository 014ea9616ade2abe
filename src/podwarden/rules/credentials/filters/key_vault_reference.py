"""Key Vault references.

`https://<vault>.vault.azure.net/secrets/<name>/<version>` and App Service's
`@Microsoft.KeyVault(SecretUri=...)` / `@Microsoft.KeyVault(VaultName=...;SecretName=...)`
point at a secret in Azure Key Vault, exactly where the AKS guide wants it; the 32-hex
version id in them looks random but is no credential.
"""

import functools
import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_VAULT = lazy(r"\.vault\.azure\.net/(?:secrets|keys|certificates)/|@Microsoft\.KeyVault\(", re.I)


@functools.lru_cache(maxsize=64)
def _vault_parts(leaf: str) -> frozenset[str] | None:
    """The ``/``-separated parts of a text that names a vault item, else None: once per
    text, not once per candidate (a long text can hold thousands)."""
    return frozenset(leaf.split("/")) if _VAULT.search(leaf) else None


def applies(c: Candidate) -> bool:
    if _VAULT.search(c.value) is not None:
        return True
    parts = _vault_parts(c.leaf)
    return parts is not None and c.value in parts
