"""Counts gathered while file results stream past, for summaries written at the end."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from podwarden.engine import FileResult, Result, Suppressed
from podwarden.engine.results import SEVERITY_NAMES
from podwarden.errors import InputError
from podwarden.report.score import object_score
from podwarden.rules.api import Severity

#: how many of the worst objects a summary lists
WORST_KEPT = 10


class Tally:
    """Everything a summary needs; errors and suppressions are kept (they are few)."""

    __slots__ = (
        "_found", "baselined", "configuration", "errors", "files", "findings", "notes", "objects",
        "score_total", "scored", "scores", "skipped", "source", "suppressed", "worst",
    )

    def __init__(self, source: str = "file", configuration: str | None = None) -> None:
        self.files = 0
        #: what a source is, for the summary line: a file, or a namespace of a live cluster
        self.source = source
        self.objects = 0
        self.findings = 0
        #: the findings counted by (rule, severity, namespace): one count a finding, of which
        #: the summaries by severity, rule and namespace are made when asked for
        self._found: Counter[tuple[str, Severity, str | None]] = Counter()
        self.errors: list[InputError] = []
        self.skipped: list[str] = []
        #: files skipped for a reason of their own (not a regular file), one line each
        self.notes: list[str] = []
        self.suppressed: list[Suppressed] = []
        self.baselined = 0
        #: the configuration file in use, named in summaries
        self.configuration = configuration
        #: sum and count of object scores (report/score.py), and the worst objects kept
        self.score_total = 0
        self.scored = 0
        self.worst: list[tuple[int, int, str, str, int]] = []
        #: the score of each scored object of the file last added, by ``id`` of its result
        #: (reporters that stream read it instead of scoring the object again)
        self.scores: dict[int, int] = {}

    @property
    def by_severity(self) -> Counter[str]:
        """The number of findings of each severity (named)."""
        return self._summed(lambda rule_id, severity, namespace: SEVERITY_NAMES[severity])

    @property
    def by_rule(self) -> Counter[str]:
        """The number of findings of each rule."""
        return self._summed(lambda rule_id, severity, namespace: rule_id)

    @property
    def by_namespace(self) -> Counter[str]:
        """The number of findings in each namespace."""
        return self._summed(lambda rule_id, severity, namespace: namespace or "(no namespace)")

    def _summed(self, part: Callable[[str, Severity, str | None], str]) -> Counter[str]:
        """The findings counted by one ``part`` of what they are counted by."""
        out: Counter[str] = Counter()
        for found, n in self._found.items():
            out[part(*found)] += n
        return out

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
        if fr.findings:  # counted by Counter.update's C loop
            self._found.update([(f.rule_id, f.severity, f.object.namespace) for f in fr.findings])
        scores = self.scores = {}
        worst = self.worst
        for o in fr.objects:
            if o.pod or o.findings:
                value = scores[id(o)] = object_score(o.findings)
                self.score_total += value
                self.scored += 1
                # keep the WORST_KEPT lowest scores: a bounded heap, whatever the run's size.
                # A score above the heap's best kept one would be popped at once: its entry
                # is not even made
                if o.findings and (len(worst) < WORST_KEPT or -value >= worst[0][0]):
                    worst_severity = max(f.severity for f in o.findings)
                    entry = (-value, int(worst_severity), str(o.object), o.file, o.line)
                    if len(worst) < WORST_KEPT:
                        heapq.heappush(worst, entry)
                    else:
                        heapq.heappushpop(worst, entry)
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
