"""Well-known published example credentials.

The Azurite / Azure Storage Emulator account (`devstoreaccount1`, whose key Microsoft
publishes), AWS documentation keys ending in `EXAMPLE` / `EXAMPLEKEY`, and the jwt.io
sample token (subject `1234567890`, name `John Doe`) are public samples that grant nothing.
"""

from podwarden.rules.credentials._leaf import Candidate

#: first and last characters of the published Azurite key, as the docs print it
_AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu", "KBHBeksoGMGw==")
_JWT_IO_SAMPLE = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"


def applies(c: Candidate) -> bool:
    value = c.value.strip()
    if value.startswith(_AZURITE_KEY[0]) and value.endswith(_AZURITE_KEY[1]):
        return True
    if "devstoreaccount1" in c.leaf or "UseDevelopmentStorage=true" in c.leaf:
        return True
    if value.endswith(("EXAMPLE", "EXAMPLEKEY")):
        return True
    return _JWT_IO_SAMPLE in value
