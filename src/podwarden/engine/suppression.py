"""``podwarden.io/ignore`` annotations: what they silence, and the reason given."""

from __future__ import annotations

from podwarden.model.objects import KubeObject
from podwarden.model.paths import FieldPath
from podwarden.model.podspec import PodView
from podwarden.model.record import Record

#: annotation listing rule ids (or families) to ignore on an object or its pod template;
#: ``rule-id:container`` limits it to one container
IGNORE_ANNOTATION = "podwarden.io/ignore"
IGNORE_REASON_ANNOTATION = "podwarden.io/ignore-reason"


class Ignore(Record):
    __slots__ = ("container", "reason", "rule")
    _fields = ("rule", "container", "reason")
    rule: str
    container: str | None
    reason: str

    def __init__(self, rule: str, container: str | None, reason: str) -> None:
        put = object.__setattr__
        put(self, "rule", rule)
        put(self, "container", container)
        put(self, "reason", reason)


def ignores_of(obj: KubeObject, pod: PodView | None) -> list[Ignore]:
    """Ignore entries from the object's annotations and its pod template's."""
    out: list[Ignore] = []
    sources = [obj.annotations]
    if pod is not None and pod.metadata.path != obj.metadata.path:
        sources.append(pod.annotations)
    for found in sources:
        value = found.get(IGNORE_ANNOTATION)
        if not value:
            continue
        reason = found.get(IGNORE_REASON_ANNOTATION, "").strip() or "no reason given"
        for item in value.split(","):
            rule_id, _, container = item.strip().partition(":")
            if rule_id:
                out.append(Ignore(rule_id.strip(), container.strip() or None, reason))
    return out


def suppressed_by(ignores: list[Ignore], rule_id: str, path: FieldPath, pod: PodView | None) -> str | None:
    """The reason an ignore entry silences this finding, or None."""
    family = rule_id.split("/", 1)[0]
    for entry in ignores:
        if entry.rule not in (rule_id, family):
            continue
        if entry.container is None:
            return entry.reason
        if pod is not None:
            for c in pod.containers():
                if c.name == entry.container and path[: len(c.path)] == c.path:
                    return entry.reason
    return None
