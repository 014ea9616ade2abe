"""The registry's own validation, and that every rule is documented and fixtured."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from podwarden import docs
from podwarden.rules.api import Level, Severity, Version, rule
from podwarden.rules.registry import Registry, RegistryError, default_registry
from tests.conftest import ROOT
from tests.rules.fixtures import all_fixtures

REGISTRY = default_registry()


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    kinds: dict[str, set[bool]] = {}
    for fx in all_fixtures():
        kinds.setdefault(fx.rule_id, set()).add(fx.passing)
    missing = [r for r in REGISTRY.rules if kinds.get(r) != {True, False}]
    assert not missing, f"rules without both pass and fail fixtures: {missing}"


def test_fixture_dirs_name_real_rules() -> None:
    unknown = {fx.rule_id for fx in all_fixtures()} - set(REGISTRY.rules)
    assert not unknown


def test_docs_are_current() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        docs.write(REGISTRY, Path(tmp), ROOT / "tests" / "rules")
        fresh = {p.relative_to(tmp).as_posix(): p.read_text() for p in Path(tmp).rglob("*.md")}
    current_dir = ROOT / "docs" / "rules"
    current = {p.relative_to(current_dir).as_posix(): p.read_text() for p in current_dir.rglob("*.md")}
    assert fresh == current, "docs/rules/ is stale: run `make docs`"


def test_latest_is_newest_pss_change() -> None:
    assert REGISTRY.newest_minor == 37
    assert REGISTRY.minor(None) == 37
    assert REGISTRY.minor(Version(99)) == 37
    assert REGISTRY.minor(Version(20)) == 20


def test_overrides_apply_only_at_restricted() -> None:
    restricted = {a.rule.id for a in REGISTRY.active(Level.RESTRICTED, Version(30))}
    baseline = {a.rule.id for a in REGISTRY.active(Level.BASELINE, Version(30))}
    assert "pss/non-default-capabilities" in baseline
    assert "pss/non-default-capabilities" not in restricted
    assert "pss/unrestricted-capabilities" in restricted
    # before v1.22 restricted still runs the baseline capability list
    assert "pss/non-default-capabilities" in {a.rule.id for a in REGISTRY.active(Level.RESTRICTED, Version(21))}
    assert not [a for a in REGISTRY.active(Level.PRIVILEGED, None) if a.rule.pss]


def _rule(rule_id: str, doc: str = "T.\n\n## What it checks\nx\n## Why\ny\n## Fix\nz\n"):
    r = rule(rule_id, severity=Severity.LOW)
    r.doc = doc
    return r


def test_registry_rejects_duplicates_and_bad_docs() -> None:
    a = _rule("x/a")
    a.check()(lambda pod: iter(()))
    b = _rule("x/a")
    b.check()(lambda pod: iter(()))
    with pytest.raises(RegistryError, match="duplicate"):
        Registry([a, b])
    c = _rule("x/c", doc="Title only.")
    c.check()(lambda pod: iter(()))
    with pytest.raises(RegistryError, match="What it checks"):
        Registry([c])
    d = _rule("x/d")
    with pytest.raises(RegistryError, match="no check"):
        Registry([d])


def test_registry_rejects_unsorted_versions_and_latest() -> None:
    r = _rule("x/v")
    r.check(since="1.25")(lambda pod: iter(()))
    r.check(since="1.8")(lambda pod: iter(()))
    with pytest.raises(RegistryError, match="rise"):
        Registry([r])
    with pytest.raises(ValueError):
        _rule("x/w").check(since="latest")
