"""``Fixer.plan`` from the violations the file's check raised (``Engine.scan_docs``'s
record) plans exactly what running the fixable rules again plans: the same edits, the
same fixed and held-back violations, the same explicit values, on every rule fixture."""

from __future__ import annotations

from typing import Any

import pytest

from podwarden.engine import Raised, Selection
from podwarden.fix import yamlfile
from podwarden.fix.apply import Fixer
from podwarden.fix.outcome import ValueSet
from podwarden.load import yaml as yamlload
from tests.rules.test_fixtures import FIXTURES

PATHS = sorted({fx.path for fx in FIXTURES})
FIXERS = {
    "safe": Fixer(Selection()),
    "unsafe+values": Fixer(Selection(), unsafe=True, values={"run_as_user": 1000, "run_as_group": 1000}),
    "pss": Fixer(Selection(only=frozenset({"pss"}))),
}


def _plans(fixer: Fixer, docs: list[yamlload.Document], name: str) -> tuple[Any, Any]:
    raised: list[Raised] = []
    result = fixer.check(docs, name, True, raised)
    if result.errors:
        return None, None
    from_record: dict[ValueSet, None] = {}
    from_rules: dict[ValueSet, None] = {}
    planned = fixer.plan(docs, name, from_record, raised)
    again = fixer.plan(docs, name, from_rules)
    return (planned, list(from_record)), (again, list(from_rules))


@pytest.mark.parametrize("kind", sorted(FIXERS))
def test_plan_from_the_check_is_the_plan_from_the_rules(kind: str) -> None:
    fixer = FIXERS[kind]
    planned = 0
    for path in PATHS:
        text = path.read_text()
        docs = yamlload.parse(text, str(path))
        got, want = _plans(fixer, docs, str(path))
        assert got == want, path.name
        if got is not None and got[0][0]:
            planned += 1
            # the second round plans from the check of the fixed documents
            try:
                _, new_docs = yamlfile.rewrite(text, docs, got[0][0], str(path))
            except yamlfile.FixRefused:
                continue
            got, want = _plans(fixer, new_docs, str(path))
            assert got == want, f"{path.name}, fixed once"
    assert planned > 10  # the fixtures do give the fixers something to do


def test_an_ignore_annotation_keeps_its_violation_out_of_the_plan() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    podwarden.io/ignore: pss/run-as-non-root
    podwarden.io/ignore-reason: the image runs as a named user
spec:
  containers:
  - name: c
    image: nginx
"""
    fixer = FIXERS["pss"]
    docs = yamlload.parse(text, "p.yaml")
    raised: list[Raised] = []
    fixer.check(docs, "p.yaml", True, raised)
    assert any(r.check.rule.id == "pss/run-as-non-root" for r in raised)  # raised, then suppressed
    plan, applied, _ = fixer.plan(docs, "p.yaml", None, raised)
    assert plan and applied
    assert "pss/run-as-non-root" not in {a.rule_id for a in applied}
    assert all("runAsNonRoot" not in e.path for edits in plan.values() for e in edits)
