"""Every rule fixture: fail files yield exactly their marked findings, pass files none."""

from __future__ import annotations

import pytest

from podwarden.engine import Engine, Selection
from podwarden.rules.api import Level, Version
from tests.rules.fixtures import Fixture, all_fixtures

FIXTURES = all_fixtures()


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture(fx: Fixture) -> None:
    selection = Selection(
        level=Level.parse(fx.level),
        version=Version.parse(fx.version),
        only=frozenset({fx.rule_id}),
    )
    if fx.config is not None:
        from podwarden.config import load_config

        selection.settings = load_config(fx.config).settings
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
