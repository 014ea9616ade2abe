"""Key Vault objects parameter that does not parse.

## What it checks
The `objects` parameter of a SecretProviderClass with `spec.provider: azure` is YAML inside
a string: a mapping with an `array:` list, each entry itself a string of YAML holding one
object's fields (`objectName`, `objectType` ...). Reported: YAML errors (of the whole or
of an entry, with the line), a missing or empty `array`, and entries written as mappings
instead of strings.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver. The provider unmarshals the
string, then each entry, when a pod mounts the volume (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/provider/types/parameters.go
`GetObjectsArray`, pkg/provider/provider.go): a syntax error ("mapping values are not
allowed", often from Helm indentation) fails the mount, and a missing `array` mounts
nothing at all, silently.

## Fix
Write it as a block string:
`objects: |` then `array:` then one `- |` entry per object with its fields indented below.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_parameters, read_objects

RULE = rule("vault/objects-unparsable", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    text = params.get("objects", "").strip()
    if not text:
        return
    for problem in read_objects(text)[1]:
        yield Violation(node.at("objects"), problem)
