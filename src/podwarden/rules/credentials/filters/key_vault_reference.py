"""Key Vault references.

`https://<vault>.vault.azure.net/secrets/<name>/<version>` and App Service's
`@Microsoft.KeyVault(SecretUri=...)` / `@Microsoft.KeyVault(VaultName=...;SecretName=...)`
point at a secret in Azure Key Vault, exactly where the AKS guide wants it; the 32-hex
version id in them looks random but is no credential.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_VAULT = lazy(r"\.vault\.azure\.net/(?:secrets|keys|certificates)/|@Microsoft\.KeyVault\(", re.I)


def applies(c: Candidate) -> bool:
    return _VAULT.search(c.value) is not None or (
        _VAULT.search(c.leaf) is not None and c.value in c.leaf.split("/")
    )
