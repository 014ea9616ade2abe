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
from typing import Any

import yaml

from podwarden.rules.api import KubeObject, Severity, Violation, rule

RULE = rule("vault/objects-unparsable", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> tuple[Any, str]:
    """The parsed value, or None and the parser's complaint."""
    try:
        return yaml.load(text, Loader=Loader), ""
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return None, f"{problem} (line {mark.line + 1})" if mark is not None else problem


def problems(text: str) -> Iterator[str]:
    """What is wrong with an ``objects`` string, in the provider's terms."""
    doc, error = _load(text)
    if error:
        yield f"objects is not valid YAML: {error}"
        return
    array = doc.get("array") if isinstance(doc, dict) else None
    if not isinstance(array, list) or not array:
        yield "objects has no array of objects: nothing would be mounted"
        return
    for i, item in enumerate(array):
        if not isinstance(item, str):
            yield f"objects array entry {i} must be a string of YAML (write it as '- |')"
            continue
        entry, error = _load(item)
        if error:
            yield f"objects array entry {i} is not valid YAML: {error}"
        elif not isinstance(entry, dict):
            yield f"objects array entry {i} must hold a mapping of object fields"


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    spec = obj.root.map("spec")
    if spec.raw("provider") != "azure":
        return
    text = spec.str_map("parameters").get("objects", "").strip()
    if not text:
        return
    for problem in problems(text):
        yield Violation(spec.map("parameters").at("objects"), problem)
