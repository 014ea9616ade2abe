"""Shared checks for the fix tests: what changed between two parses of a manifest."""

from __future__ import annotations

from typing import Any

from podwarden.load import yaml as yamlload
from podwarden.model.paths import FieldPath

#: a fix may only change values under one of these keys
SECURITY_KEYS = frozenset({"securityContext", "automountServiceAccountToken"})


def changed_paths(before: Any, after: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Every path where two parsed documents differ (the shallowest point of difference)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[FieldPath] = []
        for key in list(before) + [k for k in after if k not in before]:
            if key not in before or key not in after:
                out.append((*path, key))
            else:
                out.extend(changed_paths(before[key], after[key], (*path, key)))
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out.extend(changed_paths(b, a, (*path, i)))
        return out
    if before == after and type(before) is type(after):
        return []
    return [path]


def unsafe_changes(before_text: str, after_text: str, unsafe: bool = False) -> list[FieldPath]:
    """Paths a fix changed that it should not have (parsing both texts as ``check`` does):
    outside SECURITY_KEYS, or with ``unsafe`` outside ``security_related``."""
    old = [d.data for d in yamlload.parse(before_text, "before")]
    new = [d.data for d in yamlload.parse(after_text, "after")]
    assert len(old) == len(new), "a fix must not add or remove documents"
    bad = []
    for b, a in zip(old, new, strict=True):
        for p in changed_paths(b, a):
            allowed = security_related(p) if unsafe else bool(
                SECURITY_KEYS.intersection(k for k in p if isinstance(k, str)))
            if not allowed:
                bad.append(p)
    return bad


def security_related(path: FieldPath) -> bool:
    """A path a hardening fix may change: under a securityContext, the token automount,
    a volume mount's ``readOnly``, ``shareProcessNamespace`` or an AppArmor annotation
    (the last three: unsafe fixes)."""
    keys = [k for k in path if isinstance(k, str)]
    if SECURITY_KEYS.intersection(keys):
        return True
    if keys and keys[-1] == "shareProcessNamespace":
        return True
    if len(path) >= 3 and path[-1] == "readOnly" and path[-3] == "volumeMounts":
        return True
    return bool(keys) and keys[-1].startswith("container.apparmor.security.beta.kubernetes.io/")
