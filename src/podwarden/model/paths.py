"""Field paths: tuples of keys and list indices, rendered the way kubectl explains them."""

from __future__ import annotations

FieldPath = tuple[str | int, ...]


def render(path: FieldPath) -> str:
    """``("spec", "containers", 1, "image")`` -> ``spec.containers[1].image``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif out:
            out.append("." + part if _plain(part) else f"[{part!r}]")
        else:
            out.append(part if _plain(part) else f"[{part!r}]")
    return "".join(out)


def _plain(key: str) -> bool:
    return bool(key) and all(ch.isalnum() or ch in "_-" for ch in key)
