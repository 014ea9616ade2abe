"""Ignore entry naming a container the pod does not have.

## What it checks
Every `rule-id:container` entry of a `podwarden.io/ignore` annotation names a container,
init container or ephemeral container of the object's pod.

## Why
An entry limited to a container that does not exist (a typo, or a container renamed
since) silences nothing, while the annotation reads as an accepted risk.

## Fix
Correct the container name, or drop `:container` to accept the finding for the whole
object.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, KubeObject, Severity, Violation, rule
from podwarden.rules.suppression.unknown_rule_id import ANNOTATION, metadata_nodes

RULE = rule("suppression/unknown-container", severity=Severity.LOW, target="object")


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    pod = obj.pod
    names: set[str] | None = None  # read only for an entry that names a container (rare)
    for metadata in metadata_nodes(obj):
        annotations = metadata.map_if_set("annotations")
        if annotations is None:
            continue
        value = annotations.str(ANNOTATION)
        if not value:
            continue
        for item in value.split(","):
            rule_id, colon, container = item.strip().partition(":")
            container = container.strip()
            if not (colon and container):
                continue
            if names is None:
                names = {c.name for c in pod.containers()} if pod is not None else set()
            if container not in names:
                where = "the pod has no such container" if pod is not None else "this object runs no containers"
                yield Violation(annotations.at(ANNOTATION),
                                f'ignore entry "{rule_id.strip()}:{container}" names container "{container}": {where}')
