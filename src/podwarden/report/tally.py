"""Counts gathered while file results stream past, for summaries written at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from podwarden.engine import FileResult, Result, Suppressed
from podwarden.errors import InputError


@dataclass(slots=True)
class Tally:
    """Everything a summary needs; errors and suppressions are kept (they are few)."""

    files: int = 0
    #: what a source is, for the summary line: a file, or a namespace of a live cluster
    source: str = "file"
    objects: int = 0
    findings: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: files skipped for a reason of their own (not a regular file), one line each
    notes: list[str] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    baselined: int = 0

    def watch(self, results: Iterable[FileResult]) -> Iterator[FileResult]:
        """Pass results through, counting them."""
        for fr in results:
            self.add(fr)
            yield fr

    def add(self, fr: FileResult) -> None:
        if not fr.continued:
            self.files += 1
        self.objects += len(fr.objects)
        self.findings += len(fr.findings)
        for f in fr.findings:
            self.by_severity[str(f.severity)] += 1
            self.by_rule[f.rule_id] += 1
        self.errors.extend(fr.errors)
        self.suppressed.extend(fr.suppressed)
        self.baselined += fr.baselined
        if fr.note:
            self.notes.append(f"{fr.path}: {fr.note}: skipped")
        elif fr.skipped:
            self.skipped.append(fr.path)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.findings else 0


def file_results(result: Result) -> list[FileResult]:
    """Split a collected Result back into per-file results (for reporters that stream)."""
    by_path: dict[str, FileResult] = {p: FileResult(p) for p in result.paths}
    for f in result.findings:
        by_path.setdefault(f.file, FileResult(f.file)).findings.append(f)
    for o in result.objects:
        by_path.setdefault(o.file, FileResult(o.file)).objects.append(o)
    for e in result.errors:
        by_path.setdefault(e.file, FileResult(e.file)).errors.append(e)
    for s in result.suppressed:
        by_path.setdefault(s.finding.file, FileResult(s.finding.file)).suppressed.append(s)
    for p in result.skipped:
        by_path.setdefault(p, FileResult(p)).skipped = True
    return list(by_path.values())
