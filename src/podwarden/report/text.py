"""Text for a person at a terminal: grouped by file, ``file:line``, rule, message, hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TextIO

import click

from podwarden.engine import FileResult, Finding
from podwarden.report.tally import Tally
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


def write(results: Iterable[FileResult], out: TextIO, registry: Registry, tally: Tally,
          colour: bool = False) -> None:
    """Stream the report: one block per file with findings, then the summary."""

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if colour else text

    shown_path: str | None = None
    shown_hints: set[str] = set()
    for fr in tally.watch(results):
        if not fr.findings and not any(o.blast for o in fr.objects):
            continue
        if not (fr.continued and fr.path == shown_path):  # a large file's later parts go on
            if shown_path is not None:
                out.write("\n")
            out.write(style(fr.path, bold=True, underline=True) + "\n")
            shown_path, shown_hints = fr.path, set()
        for f in sorted(fr.findings, key=lambda f: (f.line, f.column)):
            out.write(_finding_line(f, style) + "\n")
            if f.rule_id not in shown_hints:
                shown_hints.add(f.rule_id)
                tip = hint(registry, f.rule_id)
                if tip:
                    out.write(style(f"      fix: {tip}", dim=True) + "\n")
        for o in fr.objects:
            if o.blast is not None:
                out.write(style(f"  blast radius of {o.object}:", bold=True) + "\n" + o.blast.text("    ") + "\n")
    if shown_path is not None:
        out.write("\n")
    for s in tally.suppressed:
        f = s.finding
        where = f"{f.file}:{f.line}" if f.line else f.file
        out.write(style(f"suppressed: {where} {f.rule_id} {f.object}: {s.reason}", dim=True) + "\n")
    out.write(summary(tally) + "\n")


def _finding_line(f: Finding, style: Callable[..., str]) -> str:
    sev = style(f"{f.severity!s:<8}", fg=_COLOURS[f.severity])
    secret = f" [{f.secret}]" if f.secret else ""
    return f"  {_position(f)}  {sev} {style(f.rule_id, bold=True)}  {f.object}: {f.message}{secret}"


def _position(f: Finding) -> str:
    """``line:column`` in a file; the field path for objects read from a live cluster."""
    return f"{f.line}:{f.column}" if f.line else f.path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(tally: Tally) -> str:
    """One line: findings by severity, objects, sources (files), and what was left out."""
    parts = [f"{tally.by_severity[s.name.lower()]} {s}" for s in sorted(Severity, reverse=True)
             if tally.by_severity[s.name.lower()]]
    detail = f" ({', '.join(parts)})" if parts else ""
    text = (f"{_plural(tally.findings, 'finding')}{detail} in {_plural(tally.objects, 'object')}, "
            f"{_plural(tally.files, tally.source)}")
    extras = []
    if tally.suppressed:
        extras.append(f"{len(tally.suppressed)} suppressed")
    if tally.baselined:
        extras.append(f"{tally.baselined} in baseline")
    if tally.errors:
        extras.append(_plural(len(tally.errors), "error"))
    if tally.skipped:
        extras.append(f"{len(tally.skipped)} skipped (no Kubernetes objects, or Helm templates)")
    return text + ("; " + ", ".join(extras) if extras else "")
