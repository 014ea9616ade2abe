"""Key Vault object the provider rejects.

## What it checks
Each object of the `objects` parameter (SecretProviderClass, `spec.provider: azure`) has an
`objectName`; an `objectType` of exactly `secret`, `key` or `cert`; an `objectFormat`, if
any, of `pem` or `pfx` (either case), `pfx` only for `secret`; an `objectEncoding`, if
any, of `utf-8`, `hex` or `base64` (either case), only for `secret`.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver. The provider validates each
object when a pod mounts the volume and fails the whole mount on the first bad one
("Invalid vaultObjectTypes. Should be secret, key, or cert", "PFX format only supported
for objectType: secret", "file name must not be empty"; source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/provider.go,
pkg/provider/validate.go, pkg/provider/types/types.go).

## Fix
Name the object as it is called in Key Vault and give its type in lower case; a
certificate's private key is fetched as `objectType: secret`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, entries

RULE = rule("vault/object-invalid", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))

TYPES = ("secret", "key", "cert")
FORMATS = ("pem", "pfx")
ENCODINGS = ("utf-8", "hex", "base64")


def problems(entry: dict[str, str]) -> Iterator[str]:
    kind = entry.get("objectType", "")
    if not entry.get("objectName"):
        yield "has no objectName"
    if kind not in TYPES:
        yield f'has objectType "{kind}", not secret, key or cert'
    fmt = entry.get("objectFormat", "")
    if fmt and fmt.lower() not in FORMATS:
        yield f'has objectFormat "{fmt}", not pem or pfx'
    elif fmt == "pfx" and kind != "secret":
        yield "uses objectFormat pfx, which only objectType secret supports"
    encoding = entry.get("objectEncoding", "")
    if encoding and kind != "secret":
        yield "sets objectEncoding, which only objectType secret supports"
    elif encoding and encoding.lower() not in ENCODINGS:
        yield f'has objectEncoding "{encoding}", not utf-8, hex or base64'


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    for i, entry in enumerate(entries(params)):
        name = entry.get("objectName", "")
        for problem in problems(entry):
            yield Violation(node.at("objects"), f'objects entry {i} ("{name}") {problem}')
