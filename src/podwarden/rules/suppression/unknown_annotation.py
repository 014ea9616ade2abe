"""A podwarden annotation key podwarden does not read.

## What it checks
Every annotation key of an object or its pod template whose prefix names podwarden
(`podwarden.io/...`, or a misspelt domain such as `podwarden.com/` or `podwarden/`) is
one podwarden reads: `podwarden.io/ignore` or `podwarden.io/ignore-reason`.

## Why
`podwarden.io/ignored: pss/privileged` or `podwarden.io/ingore: ...` silences nothing: the
finding stays while its author believes the risk was accepted and recorded. A suppression
that does not take is worse than none.

## Fix
Spell the key `podwarden.io/ignore` (and `podwarden.io/ignore-reason` for the reason), or
remove it.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, KubeObject, Severity, Violation, rule
from podwarden.rules.suppression.unknown_rule_id import metadata_nodes

RULE = rule("suppression/unknown-annotation", severity=Severity.LOW, target="object")

KNOWN = frozenset({"podwarden.io/ignore", "podwarden.io/ignore-reason"})


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    for metadata in metadata_nodes(obj):
        annotations = metadata.map_if_set("annotations")
        if annotations is None:
            continue
        for key in annotations.data:
            if not isinstance(key, str) or "podwarden" not in key.lower() or key in KNOWN:
                continue
            prefix, slash, _ = key.partition("/")
            if slash and "podwarden" in prefix.lower():
                yield Violation(annotations.at(key),
                                f'annotation "{key}" is not one podwarden reads (podwarden.io/ignore?)')
