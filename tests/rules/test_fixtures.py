"""Every rule fixture: fail files yield exactly their marked findings, pass files none.

A ``fail-<case>.fixed.yaml`` beside a fail fixture (here or in ``tests/fix/cases/<family>/<slug>/``,
whose fail files are fixtures too) is the byte-exact output of fixing it with that rule's
safe fixers: no finding of the rule is left, and fixing it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podwarden.engine import Engine, Selection
from podwarden.fix.apply import Fixer
from podwarden.rules.api import Level, Version
from tests.rules.fixtures import FIXTURE_ROOT, Fixture, all_fixtures, load

FIX_CASES = FIXTURE_ROOT.parent / "fix" / "cases"


def fixed_path(fx: Fixture) -> Path:
    return fx.path.with_name(fx.path.name.removesuffix(".yaml") + ".fixed.yaml")


FIXTURES = all_fixtures() + [
    load(p) for p in sorted(FIX_CASES.glob("*/*/*.yaml"))
    if p.name.startswith(("pass-", "fail-")) and not p.name.endswith(".fixed.yaml")
]
FIXED = [fx for fx in FIXTURES if not fx.passing and fixed_path(fx).exists()]


def selection_of(fx: Fixture) -> Selection:
    selection = Selection(
        level=Level.parse(fx.level),
        version=Version.parse(fx.version),
        only=frozenset({fx.rule_id}),
    )
    if fx.config is not None:
        from podwarden.config import load_config

        selection.settings = load_config(fx.config).settings
    return selection


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture(fx: Fixture) -> None:
    selection = selection_of(fx)
    result = Engine(selection).run([str(fx.path)], [str(p) for p in fx.context])
    assert not result.errors, [str(e) for e in result.errors]
    got = sorted((f.line, f.rule_id) for f in result.findings if f.rule_id == fx.rule_id)
    if fx.passing:
        assert got == [], f"{fx.path.name} should pass but got {got}"
        return
    assert fx.expected, f"{fx.path.name}: a fail fixture needs '# expect: {fx.rule_id}' markers"
    want = sorted((line, rid) for line, rid, _ in fx.expected if rid == fx.rule_id)
    assert got == want, "\n".join(
        f"{f.line}: {f.rule_id} {f.path} {f.message}" for f in result.findings
    )
    for line, rid, at in fx.expected:
        if at:
            paths = {f.path for f in result.findings if f.line == line and f.rule_id == rid}
            assert at in paths, f"line {line}: expected path {at}, got {paths}"


def test_fixed_fixtures_exist() -> None:
    assert FIXED, "no .fixed.yaml fixture found"
    orphans = [p for root in (FIXTURE_ROOT, FIX_CASES) for p in root.glob("*/*/*.fixed.yaml")
               if not p.with_name(p.name.removesuffix(".fixed.yaml") + ".yaml").exists()]
    assert orphans == [], "a .fixed.yaml needs its fail fixture"


@pytest.mark.parametrize("fx", FIXED, ids=[f.id for f in FIXED])
def test_fixed_fixture(fx: Fixture) -> None:
    selection = selection_of(fx)
    context = [str(p) for p in fx.context]
    out = next(iter(Fixer(selection).iter_files([str(fx.path), *context])))
    assert not out.errors, [str(e) for e in out.errors]
    want = fixed_path(fx).read_bytes()
    got = out.fixed_bytes() if out.changed else fx.path.read_bytes()
    assert got == want, f"fixing {fx.path.name} does not give {fixed_path(fx).name} byte for byte"
    result = Engine(selection).run([str(fixed_path(fx))], context)
    left = [f"{f.line}: {f.message}" for f in result.findings if f.rule_id == fx.rule_id]
    assert left == [], "findings of the rule remain after the fix"
    again = Fixer(selection).fix_bytes(want, str(fixed_path(fx)))
    assert not again.errors and not again.changed, "fixing the fixed file must change nothing"
