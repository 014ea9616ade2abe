"""Field paths: tuples of keys and list indices, rendered the way kubectl explains them."""

from __future__ import annotations

import functools
import re

FieldPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


@functools.lru_cache(maxsize=8192)
def render(path: FieldPath) -> str:
    """``("spec", "containers", 1, "image")`` -> ``spec.containers[1].image`` (remembered:
    the same few paths are rendered for finding after finding)."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(_key(part) if out else _key(part).lstrip("."))
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _key(key: str) -> str:
    """``.name`` for plain keys, ``['a.b/c']`` for keys with dots or slashes."""
    return "." + key if _PLAIN_KEY.fullmatch(key) else f"[{key!r}]"
