"""Encrypted values.

SOPS values (`ENC[AES256_GCM,data:...]`), Bitnami SealedSecret `encryptedData`
(ciphertext beginning `Ag`), HashiCorp Vault transit ciphertext (`vault:v1:...`) and
Ansible Vault blocks are encrypted for a key that never sits in the manifest: committing
them is the intended workflow.
"""


from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_ENCRYPTED = lazy(r"^ENC\[[A-Z0-9_]+,data:|^vault:v\d+:|^\$ANSIBLE_VAULT;")


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if _ENCRYPTED.match(value):
        return True
    return c.kind == "SealedSecret" or "encryptedData" in c.path
