"""One self-contained HTML page: summary, objects worst first with their findings, blast radius.

The page stays small and opens fast for any number of objects: aggregates (by severity,
rule and namespace) are rendered here as HTML, while each object and its findings travel
once, as compact JSON (flat integer arrays, every string once in a table), from which a
small inline script renders one page of rows at a time.  Everything is inline and a
Content-Security-Policy forbids any network access, so the file opens anywhere, offline,
and can be mailed.  Values from manifests or clusters are escaped here and set with
``textContent`` by the script; the JSON has every ``<``, ``>`` and ``&`` escaped, so no
name can end its script element.  Credential findings carry only their redacted
fingerprint, as everywhere else.

``Page`` gathers what the page needs while file results stream past (``write``), keeping
no ``Finding`` or ``ObjectResult``: memory follows the page, not the run.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from podwarden import __version__
from podwarden.engine import FileResult, Finding, ObjectResult, Result
from podwarden.errors import InputError
from podwarden.report.html_assets import SCRIPT
from podwarden.report.html_parts import (
    BLAST_FIELDS,
    FINDING_FIELDS,
    OBJECT_FIELDS,
    anchor,
    blast_section,
    e,
    head,
    intro,
    objects_section,
    problems,
    rules_section,
    summary,
    warnings_part,
)
from podwarden.report.html_readiness import readiness_section
from podwarden.report.score import WEIGHTS, object_score
from podwarden.report.tally import Tally
from podwarden.rules.api import Rule, Severity
from podwarden.rules.registry import Registry

__all__ = ["BLAST_FIELDS", "FINDING_FIELDS", "LIST_LIMIT", "OBJECT_FIELDS", "Page", "e", "objects_of", "render",
           "write", "write_page"]

#: suppressed findings and errors listed in full up to this many (all are counted)
LIST_LIMIT = 1000


class Page:
    """What the page shows, gathered one file result at a time: counts, and per object a
    compact row (its findings and blast radius lines as integers into a string table)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._strings: dict[str, int] = {}
        self._rules: dict[str, int] = {}
        #: per object with findings or a blast radius: (sort key, row of OBJECT_FIELDS ints)
        self._objects: list[tuple[tuple[Any, ...], list[int]]] = []
        self._findings = array("i")
        self._blast = array("i")
        self._extras: list[list[Any]] = []
        self.by_severity = [0] * len(Severity)
        #: rule index -> findings per severity, then objects
        self.by_rule: dict[int, list[int]] = {}
        #: namespace -> findings per severity, then objects with findings, then objects
        self.by_namespace: dict[str, list[int]] = {}
        self.findings = 0
        self.objects = 0
        self.flagged = 0
        self.has_blast = False
        #: namespaces of the objects listed (with findings or a blast radius)
        self.listed_namespaces: set[str] = set()
        #: objects listed (with findings or a blast radius)
        self.listed = 0
        self.files = 0
        self.errors: list[InputError] = []
        self.suppressed: list[tuple[str, str, str, str]] = []
        self.suppressed_count = 0
        self.skipped = 0
        self.baselined = 0
        #: the run's score (report/score.py): sum and count of object scores
        self.score_total = 0
        self.scored = 0

    # -- gathering ----------------------------------------------------------------------

    def add(self, fr: FileResult) -> None:
        """Fold one file's result (or a part of it) in."""
        if not fr.continued:
            self.files += 1
        self.errors.extend(fr.errors[: max(0, LIST_LIMIT - len(self.errors))])
        for s in fr.suppressed:
            self.suppressed_count += 1
            if len(self.suppressed) < LIST_LIMIT:
                f = s.finding
                self.suppressed.append((f.rule_id, str(f.object), f.path, s.reason))
        self.skipped += fr.skipped
        self.baselined += fr.baselined
        attached = {id(f) for o in fr.objects for f in o.findings}
        for o in fr.objects:
            self.add_object(o.object.kind, _namespace_of(o.object.kind, o.object.namespace, o.object.name),
                            o.object.name, o.file, o.line, o.findings, o)
        loose: dict[Any, list[Finding]] = {}
        for f in fr.findings:
            if id(f) not in attached:  # a finding no object result holds: shown under its object
                loose.setdefault(f.object, []).append(f)
        for ref, findings in loose.items():
            self.add_object(ref.kind, _namespace_of(ref.kind, ref.namespace, ref.name), ref.name,
                            findings[0].file, findings[0].line, findings, None)

    def add_object(self, kind: str, namespace: str, name: str, file: str, line: int,
                   findings: Sequence[Finding], o: ObjectResult | None) -> None:
        self.objects += 1
        ns = self.by_namespace.setdefault(namespace, [0] * (len(Severity) + 2))
        ns[-1] += 1
        if findings or (o is not None and o.pod):
            self.score_total += object_score(findings)
            self.scored += 1
        blast = o.blast if o is not None else None
        lines = blast.lines if blast is not None else ()
        if not findings and not lines:
            return
        self.listed_namespaces.add(namespace)
        self.listed += 1
        ordered = sorted(findings, key=lambda f: (-int(f.severity), f.rule_id, f.path))
        first = len(self._findings) // FINDING_FIELDS
        counts = [0] * len(Severity)
        for f in ordered:
            self._finding(f)
            counts[int(f.severity)] += 1
        for rule in {f.rule_id for f in ordered}:
            self._rule_counts(rule)[-1] += 1
        for s, n in enumerate(counts):
            ns[s] += n
        if ordered:
            self.flagged += 1
            ns[-2] += 1
        first_line = len(self._blast) // BLAST_FIELDS
        for bl in lines:
            self._blast.extend((int(bl.severity), self._s(bl.kind), self._s(bl.summary)))
        self.has_blast = self.has_blast or bool(lines)
        worst = int(ordered[0].severity) if ordered else -1
        row = [self._s(kind), self._s(namespace), self._s(name), self._s(file), line, worst,
               first, len(ordered), first_line, len(lines)]
        key = (-worst, *(-c for c in reversed(counts)), kind, namespace, name, file, line)
        self._objects.append((key, row))

    def _finding(self, f: Finding) -> None:
        rule = self._rule(f.rule_id)
        self.findings += 1
        self.by_severity[int(f.severity)] += 1
        self._rule_counts(f.rule_id)[int(f.severity)] += 1
        extra = -1
        if f.also or f.secret is not None or f.pods is not None:
            extra = len(self._extras)
            self._extras.append([[self._rule(r) for r in f.also],
                                 -1 if f.secret is None else self._s(f.secret),
                                 -1 if f.pods is None else f.pods])
        self._findings.extend((rule, int(f.severity), self._s(f.message), self._s(f.path), f.line, extra))

    def _s(self, text: str) -> int:
        found = self._strings.get(text)
        if found is None:
            found = self._strings[text] = len(self._strings)
        return found

    def _rule(self, rule_id: str) -> int:
        found = self._rules.get(rule_id)
        if found is None:
            found = self._rules[rule_id] = len(self._rules)
        return found

    def _rule_counts(self, rule_id: str) -> list[int]:
        return self.by_rule.setdefault(self._rule(rule_id), [0] * (len(Severity) + 1))

    # -- output -------------------------------------------------------------------------

    def rules(self) -> list[tuple[str, Rule | None]]:
        """The rules the page names, in index order."""
        return [(rule_id, self.registry.get(rule_id)) for rule_id in self._rules]

    def write_data(self, write: Callable[[str], object]) -> None:
        """The JSON the script reads, objects worst first (see ``html_assets``)."""
        order = sorted(self._objects, key=lambda item: item[0])
        weights = [WEIGHTS[sev] for sev in sorted(Severity)]  # by severity's integer value
        write('{"hasBlast":' + json.dumps(self.has_blast) + ',"weights":' + json.dumps(weights) + ',"rules":')
        rules = []
        for rule_id, r in self.rules():
            rules.append([rule_id, r.title if r else "", rule_id.split("/", 1)[0],
                          str(r.severity) if r else "", str(r.pss or "") if r else "", anchor(rule_id)])
        write(_json(rules))
        write(',"strings":[')
        _write_joined(write, map(json.dumps, self._strings))
        write('],"extras":' + _json(self._extras))
        rows, findings, blast = [], 0, 0  # the rows with their ranges in the page's order
        for _, row in order:
            rows.append([*row[:6], findings, row[7], blast, row[9]])
            findings, blast = findings + row[7], blast + row[9]
        write(',"objects":[')
        _write_ints(write, rows)
        del rows
        write('],"findings":[')
        _write_ints(write, (self._findings[row[6] * FINDING_FIELDS:(row[6] + row[7]) * FINDING_FIELDS]
                            for _, row in order))
        write('],"blast":[')
        _write_ints(write, (self._blast[row[8] * BLAST_FIELDS:(row[8] + row[9]) * BLAST_FIELDS]
                            for _, row in order))
        write("]}")


def _write_joined(write: Callable[[str], object], items: Iterable[str], batch: int = 4096) -> None:
    """``",".join(items)`` written a batch at a time (the page's arrays are never one string)."""
    buffer: list[str] = []
    sep = ""
    for item in items:
        buffer.append(item)
        if len(buffer) >= batch:
            write(sep + ",".join(buffer))
            sep = ","
            buffer.clear()
    if buffer:
        write(sep + ",".join(buffer))


def _write_ints(write: Callable[[str], object], chunks: Iterable[Sequence[int]]) -> None:
    """The integers of ``chunks``, comma separated, written a batch at a time."""
    _write_joined(write, (",".join(map(str, chunk)) for chunk in chunks if len(chunk)), batch=512)


def write(
    results: Iterable[FileResult], out: TextIO, registry: Registry, tally: Tally | None = None, *,
    readiness: Sequence[Mapping[str, Any]] | None = None, title: str = "podwarden report",
    source: str = "", warnings: Sequence[str] = (), generated: str | None = None,
) -> None:
    """Write the page for streamed results, counting them in ``tally``; what ``check -o
    html`` calls (each result is dropped once folded in)."""
    page = Page(registry)
    for fr in (tally.watch(results) if tally is not None else results):
        page.add(fr)
    write_page(page, out, readiness=readiness, title=title, source=source, warnings=warnings,
               generated=generated)


def render(
    result: Result,
    registry: Registry,
    *,
    readiness: Sequence[Mapping[str, Any]] | None = None,
    title: str = "podwarden report",
    source: str = "",
    warnings: Sequence[str] = (),
    generated: str | None = None,
) -> str:
    """The whole page for a collected run (``check``) or an audit (``audit``, with ``readiness``)."""
    page = Page(registry)
    page.add(FileResult("", findings=result.findings, suppressed=result.suppressed, errors=result.errors,
                        objects=result.objects, baselined=result.baselined))
    page.files = result.files
    page.skipped = len(result.skipped)
    out = io.StringIO()
    write_page(page, out, readiness=readiness, title=title, source=source, warnings=warnings,
               generated=generated)
    return out.getvalue()


def write_page(
    page: Page, out: TextIO, *, readiness: Sequence[Mapping[str, Any]] | None = None,
    title: str = "podwarden report", source: str = "", warnings: Sequence[str] = (),
    generated: str | None = None,
) -> None:
    """Write a gathered page."""
    generated = generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    toc = [("summary", "Summary"), ("objects", "Objects"), *([("blast", "Blast radius")] if page.has_blast else []),
           *([("readiness", "Readiness")] if readiness is not None else []), ("rules", "Rules"),
           *([("problems", "Errors and suppressions")] if page.errors or page.suppressed_count else [])]
    out.write(head(title))
    out.write(
        "<body><header><h1>" + e(title) + '</h1><p class="meta">'
        + (e(source) + " &middot; " if source else "")
        + f"generated {e(generated)} by podwarden {e(__version__)}</p>"
        + '<nav class="toc">' + "".join(f'<a href="#{a}">{e(t)}</a>' for a, t in toc) + "</nav></header><main>\n"
    )
    for part in (
        intro(readiness is not None),
        summary(page),
        warnings_part(warnings),
        objects_section(page),
        blast_section(page),
        readiness_section(readiness) if readiness is not None else "",
        rules_section(page),
        problems(page),
    ):
        if part:
            out.write(part + "\n")
    out.write("</main><footer>podwarden implements the AKS guide <em>Best practices for pod security</em>. "
              "This file makes no network requests.</footer>\n")
    out.write('<script type="application/json" id="podwarden-data">')
    page.write_data(lambda text: out.write(
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")))
    out.write(f"</script>\n<script>{SCRIPT}</script></body></html>\n")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _namespace_of(kind: str, namespace: str | None, name: str) -> str:
    if kind == "Namespace":
        return name
    return namespace or "(none)"


def objects_of(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The page's data decoded, one object at a time (for tests and tools reading a page)."""
    strings, rules, objects = data["strings"], data["rules"], data["objects"]
    findings, blast, extras = data["findings"], data["blast"], data["extras"]
    for b in range(0, len(objects), OBJECT_FIELDS):
        kind, ns, name, file, line, worst, first, count, bfirst, bcount = objects[b:b + OBJECT_FIELDS]
        out: dict[str, Any] = {"kind": strings[kind], "namespace": strings[ns], "name": strings[name],
                               "file": strings[file], "line": line, "worst": worst, "findings": [], "blast": []}
        for f in range(first * FINDING_FIELDS, (first + count) * FINDING_FIELDS, FINDING_FIELDS):
            rule, sev, message, path, fline, extra = findings[f:f + FINDING_FIELDS]
            item = {"rule": rules[rule][0], "severity": sev, "message": strings[message],
                    "path": strings[path], "line": fline}
            if extra >= 0:
                also, secret, pods = extras[extra]
                item.update(also=[rules[r][0] for r in also], secret=strings[secret] if secret >= 0 else None,
                            pods=pods if pods >= 0 else None)
            out["findings"].append(item)
        for x in range(bfirst * BLAST_FIELDS, (bfirst + bcount) * BLAST_FIELDS, BLAST_FIELDS):
            sev, bkind, summary = blast[x:x + BLAST_FIELDS]
            out["blast"].append({"severity": sev, "kind": strings[bkind], "summary": strings[summary]})
        yield out
