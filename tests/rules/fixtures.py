"""Rule fixtures: ``tests/rules/<family>/<slug>/{pass,fail}-<case>.yaml``.

A fail file marks each offending line with ``# expect: <rule-id>`` (several ids may be
listed, comma-separated; ``@ <path>`` pins the field path).  Header comments set the
selection: ``# level: baseline``, ``# k8s-version: 1.25``, ``# context: other.yaml``
(an extra file, relative to the fixture, scanned with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURE_ROOT = Path(__file__).resolve().parent
EXPECT = re.compile(r"#\s*expect:\s*(.+)$")
HEADER = re.compile(r"^#\s*(level|k8s-version|context|config):\s*(.+?)\s*$")


@dataclass
class Fixture:
    path: Path
    rule_id: str
    passing: bool
    level: str = "restricted"
    version: str = "latest"
    context: list[Path] = field(default_factory=list)
    config: Path | None = None
    #: (line, rule id, field path or None) expected
    expected: list[tuple[int, str, str | None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.rule_id}/{self.path.name}"


def load(path: Path) -> Fixture:
    family = path.parent.parent.name
    slug = path.parent.name
    fx = Fixture(path, f"{family}/{slug}", path.name.startswith("pass-"))
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        header = HEADER.match(line)
        if header:
            key, value = header.groups()
            if key == "level":
                fx.level = value
            elif key == "k8s-version":
                fx.version = value
            elif key == "context":
                fx.context.append(path.parent / value)
            else:
                fx.config = path.parent / value
        marker = EXPECT.search(line)
        if marker:
            for item in marker.group(1).split(","):
                rule_id, _, at = item.strip().partition("@")
                fx.expected.append((number, rule_id.strip(), at.strip() or None))
    return fx


def all_fixtures() -> list[Fixture]:
    return [
        load(p)
        for p in sorted(FIXTURE_ROOT.glob("*/*/*.yaml"))
        if p.name.startswith(("pass-", "fail-")) and not p.name.endswith(".fixed.yaml")
    ]
