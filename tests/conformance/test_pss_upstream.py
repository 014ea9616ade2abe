"""Every upstream Pod Security Admission fixture, read in place from ../shared.

A file under <level>/<version>/fail must be rejected at that level and version, a file
under pass accepted. 4,537 files; all must agree.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podwarden.engine import Engine, Result, Selection
from podwarden.load.sources import Source
from podwarden.rules.api import Level, Version
from tests.conftest import SHARED

ROOT = SHARED / "conformance" / "pss"


def _cases() -> list[tuple[str, str]]:
    if not ROOT.is_dir():
        return []
    return [(level, version) for level in ("baseline", "restricted")
            for version in sorted(os.listdir(ROOT / level))]


@pytest.mark.parametrize(("level", "version"), _cases())
def test_upstream_fixtures(level: str, version: str) -> None:
    engine = Engine(Selection(level=Level.parse(level), version=Version.parse(version), only=frozenset({"pss"})))
    disagreements = []
    count = 0
    for outcome in ("pass", "fail"):
        folder = ROOT / level / version / outcome
        for name in sorted(os.listdir(folder)):
            result = Result()
            engine.scan_source(Source(str(folder / name), True), result)
            count += 1
            assert not result.errors, result.errors
            if bool(result.findings) != (outcome == "fail"):
                disagreements.append((f"{outcome}/{name}", [f.message for f in result.findings]))
    assert count > 0
    assert not disagreements


def test_fixture_tree_is_complete() -> None:
    files = list(Path(ROOT).rglob("*.yaml"))
    assert len(files) == 4537, "the shared conformance set changed: re-read its README"
