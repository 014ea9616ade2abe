"""Shared test helpers: paths to ../shared and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "rules"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
