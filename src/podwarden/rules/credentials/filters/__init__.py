"""Filters of the credentials family: one module per kind of look-alike that is no secret.

Each module holds one documented function, ``applies(candidate) -> bool``, true when the
candidate is *not* a credential (a placeholder, a digest, a public certificate ...).  The
rule registry skips sub-packages, so this package lists its own modules (``MODULES``, in
name order; a test compares it with the disk); every candidate any detector finds passes
through all of them, in that order, before it is reported.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.modules import submodule

#: the filter modules of this package, in name order (tested against the disk)
MODULES = (
    "angle_placeholder", "app_insights_key", "boolean_or_number", "checksum_annotation", "code_expression",
    "empty_value", "encrypted_value", "file_path", "identifier_guid", "image_digest", "key_vault_reference",
    "masked_or_patterned", "placeholder_word", "public_certificate", "secret_reference", "variable_reference",
    "well_known_example",
)


class Filter:
    """One filter: its name (the module's), its documentation and its function."""

    __slots__ = ("applies", "doc", "name")

    def __init__(self, name: str, doc: str, applies: Callable[[Candidate], bool]) -> None:
        self.name = name
        self.doc = doc
        self.applies = applies

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.name


@functools.cache
def all_filters() -> tuple[Filter, ...]:
    """Every filter module of this package, in name order."""
    found = []
    for name in MODULES:
        module = submodule(sys.modules[__name__], name)
        applies = getattr(module, "applies", None)
        if not callable(applies):  # its docstring is checked by the tests: ``python -OO`` drops it
            raise TypeError(f"{module.__name__}: a filter needs applies()")
        found.append(Filter(name, module.__doc__ or "", applies))
    return tuple(found)
