"""Counts gathered while file results stream past, for summaries written at the end."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from podwarden.engine import FileResult, Result, Suppressed
from podwarden.engine.results import SEVERITY_NAMES
from podwarden.errors import InputError
from podwarden.report.score import object_score

#: how many of the worst objects a summary lists
WORST_KEPT = 10


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
    #: the configuration file in use, named in summaries
    configuration: str | None = None
    #: sum and count of object scores (report/score.py), and the worst objects kept
    score_total: int = 0
    scored: int = 0
    by_namespace: Counter[str] = field(default_factory=Counter)
    worst: list[tuple[int, int, str, str, int]] = field(default_factory=list)

    @property
    def score(self) -> int | None:
        """The run's score: the mean of its objects' (None when nothing was scored)."""
        return round(self.score_total / self.scored) if self.scored else None

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
            self.by_severity[SEVERITY_NAMES[f.severity]] += 1
            self.by_rule[f.rule_id] += 1
            self.by_namespace[f.object.namespace or "(no namespace)"] += 1
        for o in fr.objects:
            if o.pod or o.findings:
                value = object_score(o.findings)
                self.score_total += value
                self.scored += 1
                if o.findings:
                    worst_severity = max(f.severity for f in o.findings)
                    entry = (-value, int(worst_severity), str(o.object), o.file, o.line)
                    # keep the WORST_KEPT lowest scores: a bounded heap, whatever the run's size
                    if len(self.worst) < WORST_KEPT:
                        heapq.heappush(self.worst, entry)
                    else:
                        heapq.heappushpop(self.worst, entry)
        self.errors.extend(fr.errors)
        self.suppressed.extend(fr.suppressed)
        self.baselined += fr.baselined
        self.notes.extend(fr.notes)
        if fr.note:
            self.notes.append(f"{fr.path}: {fr.note}")
        elif fr.skipped:
            self.skipped.append(fr.path)

    def worst_objects(self) -> list[tuple[int, str, str, int]]:
        """(score, object, file, line) of the lowest-scored objects, worst first."""
        ranked = sorted(self.worst, key=lambda e: (e[0], e[1]), reverse=True)
        return [(-neg, name, file, line) for neg, _, name, file, line in ranked]

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
