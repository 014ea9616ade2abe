"""The labelled set: hard negatives stay silent, and each is silent *because of* its filter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from podwarden.engine import Engine, Selection
from podwarden.rules.credentials import filters as filters_package
from tests.conftest import ROOT

LABELLED = ROOT / "tests" / "credentials" / "labelled"
FIXTURES = ROOT / "tests" / "rules" / "credentials"
NEGATIVES = sorted(LABELLED.glob("*.yaml"))


def _filter_of(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# filter: "), f"{path.name}: first line must be '# filter: <name>'"
    return first.removeprefix("# filter: ").strip()


def _findings(path: Path) -> list[tuple[str, int]]:
    result = Engine(Selection(only=frozenset({"credentials"}))).run([str(path)])
    assert not result.errors, [str(e) for e in result.errors]
    return [(f.rule_id, f.line) for f in result.findings]


def test_the_filter_list_names_every_filter_module_on_disk() -> None:
    import pkgutil

    on_disk = sorted(m.name for m in pkgutil.iter_modules(filters_package.__path__)
                     if not m.ispkg and not m.name.startswith("_"))
    assert list(filters_package.MODULES) == on_disk
    assert [f.name for f in filters_package.all_filters()] == on_disk


def test_every_filter_says_what_it_recognises() -> None:
    # a docstring, first line a title (what ``docs/`` shows); not checked at run time,
    # where ``python -OO`` drops docstrings
    assert all(f.doc.strip() and f.title for f in filters_package.all_filters())


def test_credentials_are_found_without_docstrings(tmp_path: Path) -> None:
    # PYTHONOPTIMIZE=2 (set in some images) drops every docstring: the checks still run
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
                        "    image: nginx\n    env:\n    - name: AWS_SECRET\n"
                        "      value: " + "AKIA" + "Q3EGRIFBDMBHZCXV\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-OO", "-c", "from podwarden.cli import run; run()", "check",
                           "--only", "credentials", "-o", "json", str(manifest)],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and not report["errors"], done.stderr
    assert "credentials/aws-access-key" in {f["rule"] for f in report["findings"]}


def test_one_hard_negative_per_filter() -> None:
    names = {f.name for f in filters_package.all_filters()}
    assert {_filter_of(p) for p in NEGATIVES} == names
    assert {p.stem for p in NEGATIVES} == names


@pytest.mark.parametrize("path", NEGATIVES, ids=[p.stem for p in NEGATIVES])
def test_hard_negative_is_silent(path: Path) -> None:
    assert _findings(path) == []


@pytest.mark.parametrize("path", NEGATIVES, ids=[p.stem for p in NEGATIVES])
def test_hard_negative_needs_its_filter(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the filter it is named after, the family reports the file."""
    name = _filter_of(path)
    reduced = tuple(f for f in filters_package.all_filters() if f.name != name)
    monkeypatch.setattr(filters_package, "all_filters", lambda: reduced)
    assert _findings(path), f"{path.name} is silent even without filter {name}: not a hard negative"


def test_every_credentials_rule_has_a_labelled_positive() -> None:
    from podwarden.rules.registry import default_registry

    rules = {r.id for r in default_registry() if r.family == "credentials"}
    marked = set()
    for path in FIXTURES.glob("*/fail-*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "# expect: credentials/" in line:
                marked.add(line.split("# expect: ")[1].split("@")[0].strip())
    assert rules <= marked


def test_pass_fixtures_are_silent_for_the_whole_family() -> None:
    """A pass fixture of one rule must not trip another credentials rule either, except on
    a line marked ``# also: <rule>`` (a secretKeyRef is no literal credential, but it is an
    exposure ``credentials/secret-in-environment`` reports)."""
    noisy = {}
    for path in sorted(FIXTURES.glob("*/pass-*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        got = [(rule_id, line) for rule_id, line in _findings(path)
               if f"# also: {rule_id}" not in lines[line - 1]]
        if got:
            noisy[path.relative_to(FIXTURES).as_posix()] = got
    assert noisy == {}


def test_fail_fixtures_report_nothing_unmarked() -> None:
    """Every credentials finding in a fail fixture sits on a line marked for its rule."""
    stray = {}
    for path in sorted(FIXTURES.glob("*/fail-*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for rule_id, line in _findings(path):
            if rule_id not in lines[line - 1]:
                stray.setdefault(path.relative_to(FIXTURES).as_posix(), []).append((rule_id, line))
    assert stray == {}
