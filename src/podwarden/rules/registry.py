"""Find every rule module, validate it, and precompute which checks run where.

Families are the sub-packages of ``podwarden.rules``; every non-underscore module in a
family must define ``RULE``.  Validation is strict (as Pod Security Admission's
registry is): unique ids, id = ``<family>/<slug>`` matching the module name, documented
sections present, versions strictly rising, overrides naming baseline PSS rules.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import podwarden.rules as rules_package
from podwarden.rules.api import CheckFn, Level, Rule, Version

DOC_SECTIONS = ("What it checks", "Why", "Fix")
#: output order of families; unknown families follow, sorted
FAMILY_ORDER = ("pss", "hardening", "credentials", "identity", "vault")


class RegistryError(Exception):
    """A rule module is malformed: a programming error caught at start-up and in tests."""


@dataclass(frozen=True, slots=True)
class Active:
    """A rule with the variant of its check in force for one selection."""

    rule: Rule
    fn: CheckFn


class Registry:
    """All rules, by id, in output order."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: dict[str, Rule] = {}
        for r in sorted(rules, key=_order):
            if r.id in self.rules:
                raise RegistryError(f"duplicate rule id {r.id}")
            self.rules[r.id] = r
        self._validate()
        pss_since = [v.since for r in self.rules.values() if r.pss for v in r.variants]
        #: the newest Kubernetes minor with a PSS rule change: what ``latest`` means
        self.newest_minor = max(pss_since, default=0)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    @property
    def families(self) -> list[str]:
        return sorted({r.family for r in self.rules.values()}, key=_family_key)

    def minor(self, version: Version | None) -> int:
        """``latest`` and versions newer than any rule change mean the newest one."""
        if version is None:
            return self.newest_minor
        return min(version.minor, self.newest_minor)

    def active(self, level: Level, version: Version | None) -> list[Active]:
        """Checks to run for a PSS level and version, in output order (cached)."""
        return self._active(level, self.minor(version))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the registry lives as long as the process
    def _active(self, level: Level, minor: int) -> list[Active]:
        chosen: list[Active] = []
        overridden: set[str] = set()
        for r in self.rules.values():
            variant = r.variant_at(minor)
            if variant is None:
                continue
            if r.pss is Level.RESTRICTED and level is not Level.RESTRICTED:
                continue
            if r.pss is Level.BASELINE and level is Level.PRIVILEGED:
                continue
            if r.pss is Level.RESTRICTED:
                overridden.update(variant.overrides)
            chosen.append(Active(r, variant.fn))
        return [a for a in chosen if a.rule.id not in overridden]

    def _validate(self) -> None:
        for r in self.rules.values():
            family, _, slug = r.id.partition("/")
            if not slug or slug != slug.lower() or " " in slug:
                raise RegistryError(f"{r.id}: id must be <family>/<kebab-slug>")
            expected_module = f"podwarden.rules.{family}.{slug.replace('-', '_')}"
            if r.module and r.module != expected_module:
                raise RegistryError(f"{r.id}: declared in {r.module}, expected {expected_module}")
            if not r.doc.strip():
                raise RegistryError(f"{r.id}: module docstring (the rule's docs) is missing")
            for section in DOC_SECTIONS:
                if not r.section(section):
                    raise RegistryError(f"{r.id}: docstring lacks a '## {section}' section")
            if not r.variants:
                raise RegistryError(f"{r.id}: no check registered")
            sinces = [v.since for v in r.variants]
            if sinces != sorted(set(sinces)):
                raise RegistryError(f"{r.id}: check versions must rise strictly")
            for v in r.variants:
                for target in v.overrides:
                    other = self.rules.get(target)
                    if r.pss is not Level.RESTRICTED or other is None or other.pss is not Level.BASELINE:
                        raise RegistryError(f"{r.id}: may only override baseline rules, not {target}")


def _family_key(family: str) -> tuple[int, str]:
    order = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return order, family


def _order(r: Rule) -> tuple[tuple[int, str], int, str]:
    # as Pod Security Admission orders its checks: baseline first, then by upstream id
    level_rank = {Level.BASELINE: 0, Level.RESTRICTED: 1}.get(r.pss, 2) if r.pss else 2
    return _family_key(r.family), level_rank, r.upstream_id or r.id


def discover() -> list[Rule]:
    """Import every rule module under ``podwarden.rules`` and collect its ``RULE``."""
    found: list[Rule] = []
    for family in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        if not family.ispkg or family.name.startswith("_"):
            continue
        package = importlib.import_module(f"podwarden.rules.{family.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.ispkg or info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            r = getattr(module, "RULE", None)
            if not isinstance(r, Rule):
                raise RegistryError(f"{module.__name__}: defines no RULE")
            r.doc = module.__doc__ or ""
            r.module = module.__name__
            found.append(r)
    return found


@functools.cache
def default_registry() -> Registry:
    """The registry of every built-in rule (built once per process)."""
    return Registry(discover())
