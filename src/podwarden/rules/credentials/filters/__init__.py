"""Filters of the credentials family: one module per kind of look-alike that is no secret.

Each module holds one documented function, ``applies(candidate) -> bool``, true when the
candidate is *not* a credential (a placeholder, a digest, a public certificate ...).  The
rule registry skips sub-packages, so this package lists its own modules; every candidate
any detector finds passes through all of them, in name order, before it is reported.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from podwarden.rules.credentials._leaf import Candidate


@dataclass(frozen=True, slots=True)
class Filter:
    """One filter: its name (the module's), its documentation and its function."""

    name: str
    doc: str
    applies: Callable[[Candidate], bool]

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.name


@functools.cache
def all_filters() -> tuple[Filter, ...]:
    """Every filter module of this package, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        applies = getattr(module, "applies", None)
        if not callable(applies) or not (module.__doc__ or "").strip():
            raise TypeError(f"{module.__name__}: a filter needs a docstring and applies()")
        found.append(Filter(info.name, module.__doc__ or "", applies))
    return tuple(found)
