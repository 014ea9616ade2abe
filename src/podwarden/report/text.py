"""Text for a person at a terminal: grouped by file, ``file:line``, rule, message, hint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import groupby
from typing import Any

import click

from podwarden.engine import Finding, Result
from podwarden.rules.api import Severity
from podwarden.rules.registry import Registry

_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}


def hint(registry: Registry, rule_id: str) -> str:
    """The first sentence of a rule's Fix section."""
    r = registry.get(rule_id)
    if r is None:
        return ""
    text = " ".join(r.section("Fix").split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def render(result: Result, registry: Registry, colour: bool = False) -> str:
    """The whole report as text."""

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if colour else text

    lines: list[str] = []
    ordered = sorted(result.findings, key=lambda f: (f.file, f.line, f.column))
    for file, group in groupby(ordered, key=lambda f: f.file):
        lines.append(style(file, bold=True, underline=True))
        for f in group:
            lines.append(_finding_line(f, style))
            tip = hint(registry, f.rule_id)
            if tip:
                lines.append(style(f"      fix: {tip}", dim=True))
        lines.append("")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _finding_line(f: Finding, style: Callable[..., str]) -> str:
    sev = style(f"{f.severity!s:<8}", fg=_COLOURS[f.severity])
    where = f"{f.file}:{f.line}:{f.column}"
    secret = f" [{f.secret}]" if f.secret else ""
    return f"  {where}  {sev} {style(f.rule_id, bold=True)}  {f.object}: {f.message}{secret}"


def summary(result: Result) -> str:
    """One line: counts of findings by severity, objects, files, errors."""
    by_sev = Counter(f.severity for f in result.findings)
    parts = [f"{by_sev[s]} {s}" for s in sorted(by_sev, reverse=True)]
    detail = f" ({', '.join(parts)})" if parts else ""
    text = (
        f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}{detail} "
        f"in {len(result.objects)} object{'s' if len(result.objects) != 1 else ''}, "
        f"{result.files} file{'s' if result.files != 1 else ''}"
    )
    if result.errors:
        text += f"; {len(result.errors)} error{'s' if len(result.errors) != 1 else ''}"
    if result.skipped:
        text += f"; {len(result.skipped)} skipped (not Kubernetes manifests)"
    return text
