"""What fixing a file gives: the fixed text, the fixes applied, held back and left."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podwarden.errors import InputError
from podwarden.fix import yamlfile
from podwarden.fix.redact import Redactions


@dataclass(frozen=True, slots=True)
class Applied:
    """One violation a fix removed."""

    rule_id: str
    object: str
    path: str


@dataclass(frozen=True, slots=True)
class ValueSet:
    """An explicit value (``--run-as-user``) written where no field gave one."""

    option: str
    value: Any
    object: str
    path: str


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A violation whose fix was not applied, and why."""

    rule_id: str
    object: str
    path: str
    why: str


@dataclass(frozen=True, slots=True)
class Remaining:
    """A finding ``check`` still reports after the fix, and why fix left it."""

    rule_id: str
    file: str
    #: its line in the fixed text, and in the text as it was (0: not there)
    line: int
    line_before: int
    object: str
    path: str
    why: str


#: why a finding stays when its rule has no fixer
NO_FIXER = "no automatic fix: change it by hand (`podwarden check` says how)"
#: why a finding stays when its rule's fixer makes no edit for it
NOT_HERE = "no automatic fix for this case: change it by hand (`podwarden check` says how)"


@dataclass(slots=True)
class FileFix(yamlfile.EditedText):
    """What fixing one file gave: the new text (None when unchanged) or why not."""

    path: str
    text: str = ""
    fixed_text: str | None = None
    encoding: yamlfile.Encoding = field(default_factory=yamlfile.Encoding)
    applied: list[Applied] = field(default_factory=list)
    #: applied fixes whose rule's caution can apply to the pod as fixed
    cautions: list[Applied] = field(default_factory=list)
    #: explicit values written (``--run-as-user`` ...)
    values_set: list[ValueSet] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)
    #: what ``check`` still reports once the edits are made (nothing when ``errors``)
    remaining: list[Remaining] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: bool = False
    #: credentials of the file, to hide in what is printed about it (``ff.redact(text)``)
    redact: Redactions = field(default_factory=Redactions, repr=False)
