"""Ignore annotation naming a rule that does not exist.

## What it checks
Every entry of a `podwarden.io/ignore` annotation (on an object or its pod template;
`rule-id`, `family` or `rule-id:container`, comma-separated) names a known rule id or
family.

## Why
A misspelt or retired rule id silences nothing, so the finding it was meant to accept
stays, or worse, the reviewer believes a risk was accepted when it was not. Suppressions
are part of the security record the AKS guide asks for: they must say exactly what they
accept.

## Fix
Correct the id (`podwarden rules` lists them) or remove the entry. Add
`podwarden.io/ignore-reason` to say why the finding is accepted.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, KubeObject, Node, Severity, Violation, rule

RULE = rule("suppression/unknown-rule-id", severity=Severity.LOW, target="object")

ANNOTATION = "podwarden.io/ignore"


def metadata_nodes(obj: KubeObject) -> Iterator[Node]:
    meta = obj.metadata
    yield meta
    pod = obj.pod
    if pod is not None and pod.metadata.path != meta.path:
        yield pod.metadata


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    for metadata in metadata_nodes(obj):
        annotations = metadata.map_if_set("annotations")
        if annotations is None:
            continue
        value = annotations.str(ANNOTATION)
        if not value:
            continue
        for item in value.split(","):
            rule_id = item.strip().partition(":")[0].strip()
            if rule_id and rule_id not in ctx.known_rules:
                yield Violation(annotations.at(ANNOTATION),
                                f'ignore annotation names unknown rule "{rule_id}"')
