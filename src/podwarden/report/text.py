"""Text for a person at a terminal: per object, most severe first, each hint once, a score."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TextIO

import click

from podwarden.engine import FileResult, Finding, ObjectResult
from podwarden.report.score import object_score
from podwarden.report.tally import Tally
from podwarden.rules.api import Severity
from podwarden.rules.registry import Registry

#: the end of a sentence: a full stop and a space, not after "e.g", "i.e" or "etc"
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\. ")

_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}


def safe(text: str, lines: bool = False) -> str:
    """``text`` with every character a terminal would act on or hide written as an escape
    (``\\x1b``, ``\\u202e``): control characters (an escape sequence recolours or clears
    the screen, a CR or LF forges a line), invisible marks that reorder or break lines, and
    anything else Python does not call printable; with ``lines``, line breaks stay."""
    if text.isprintable():  # almost always: no copy
        return text
    return "".join(c if c.isprintable() or (lines and c == "\n") else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def hint(registry: Registry, rule_id: str) -> str:
    """The first sentence of a rule's Fix section."""
    r = registry.get(rule_id)
    if r is None:
        return ""
    text = " ".join(r.section("Fix").split())
    end = _SENTENCE_END.search(text)
    return text if end is None else text[: end.start() + 1]


def write(results: Iterable[FileResult], out: TextIO, registry: Registry, tally: Tally,
          colour: bool = False, mode: str = "full") -> None:
    """Stream the report: each object with findings under one header line (what, where,
    worst severity, count, score), its findings most severe first; each rule's fix hint
    once per run; then the summary.  ``mode`` ``summary`` gives counts by rule, severity
    and namespace and the worst objects instead of the findings; ``quiet`` only the verdict."""

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if colour else text

    hints_shown: set[str] = set()
    hints: dict[str, str] = {}  # rule id -> hint: read from its docs once per run
    for fr in tally.watch(results):
        if mode != "full":
            continue
        # a file's objects in one write: an unbuffered stdout makes each write a system call
        blocks = [_object_block(o, registry, style, hints_shown, hints)
                  for o in fr.objects if o.findings or o.blast is not None]
        if blocks:
            out.write("".join(blocks))
    if mode == "summary":
        out.write(_summary_tables(tally))
    if mode != "quiet":
        for s in tally.suppressed:
            f = s.finding
            where = f"{f.file}:{f.line}" if f.line else f.file
            line = safe(f"suppressed: {where} {f.rule_id} {f.object}: {s.reason}")
            out.write(style(line, dim=True) + "\n")
    out.write(summary(tally) + "\n")


def _object_block(o: ObjectResult, registry: Registry, style: Callable[..., str], hints_shown: set[str],
                  hints: dict[str, str]) -> str:
    lines = []
    where = safe(f"{o.file}:{o.line}" if o.line else o.file)
    name = safe(str(o.object))
    if not o.findings:  # a blast radius alone still says which object it is
        lines.append(f"{style(name, bold=True)}  {where}  no findings, score 100")
    else:
        worst = max(f.severity for f in o.findings)
        head = (f"{style(name, bold=True)}  {where}  "
                f"{style(str(worst), fg=_COLOURS[worst])}, {_plural(len(o.findings), 'finding')}, "
                f"score {object_score(o.findings)}")
        lines.append(head)
        for f in sorted(o.findings, key=lambda f: (-int(f.severity), f.line, f.column)):
            lines.append(_finding_line(f, style))
            tip = f.hint
            if not tip:
                tip = hints.get(f.rule_id)
                if tip is None:
                    tip = hints[f.rule_id] = hint(registry, f.rule_id)
            key = f"{f.rule_id}\x1f{tip}"
            if tip and key not in hints_shown:  # once per run
                hints_shown.add(key)
                lines.append(style(f"      fix: {tip}", dim=True))
    if o.blast is not None:
        lines.append(style("  blast radius:", bold=True) + "\n" + safe(o.blast.text("    "), lines=True))
    return "\n".join(lines) + "\n\n"


def _finding_line(f: Finding, style: Callable[..., str]) -> str:
    sev = style(f"{f.severity!s:<8}", fg=_COLOURS[f.severity])
    secret = f" [{f.secret}]" if f.secret else ""
    also = f" (also {', '.join(f.also)})" if f.also else ""
    return f"  {_position(f):<7} {sev} {style(f.rule_id, bold=True)}  {safe(f.message)}{secret}{also}"


def _summary_tables(tally: Tally) -> str:
    """Counts by severity, rule and namespace, and the worst objects, for --summary."""
    lines = ["by severity:"]
    by_severity = tally.by_severity  # summed from the tally's counts once
    lines += [f"  {by_severity[s.name.lower()]:>7}  {s}" for s in sorted(Severity, reverse=True)
              if by_severity[s.name.lower()]]
    lines.append("by rule:")
    lines += [f"  {n:>7}  {rule_id}" for rule_id, n in sorted(tally.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append("by namespace:")
    lines += [f"  {n:>7}  {ns}" for ns, n in sorted(tally.by_namespace.items(), key=lambda kv: (-kv[1], kv[0]))]
    worst = tally.worst_objects()
    if worst:
        lines.append("worst objects:")
        lines += [f"  {score:>3}/100  {name}  {file}:{line}" if line else f"  {score:>3}/100  {name}  {file}"
                  for score, name, file, line in worst]
    return safe("\n".join(lines), lines=True) + "\n\n"


def _position(f: Finding) -> str:
    """``line:column`` in a file; the field path for objects read from a live cluster."""
    return f"{f.line}:{f.column}" if f.line else f.path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(tally: Tally) -> str:
    """One line: findings by severity, objects, sources (files), and what was left out."""
    by_severity = tally.by_severity  # summed from the tally's counts once
    parts = [f"{by_severity[s.name.lower()]} {s}" for s in sorted(Severity, reverse=True)
             if by_severity[s.name.lower()]]
    detail = f" ({', '.join(parts)})" if parts else ""
    text = (f"{_plural(tally.findings, 'finding')}{detail} in {_plural(tally.objects, 'object')}, "
            f"{_plural(tally.files, tally.source)}")
    if tally.score is not None:
        text += f"; score {tally.score}/100"
    if tally.configuration:
        text += f"; configuration {tally.configuration}"
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
