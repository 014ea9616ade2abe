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
import html
import io
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from podwarden import __version__
from podwarden.engine import FileResult, Finding, ObjectResult, Result
from podwarden.errors import InputError
from podwarden.report.html_assets import CSS, SCRIPT
from podwarden.report.score import WEIGHTS, object_score
from podwarden.report.tally import Tally
from podwarden.rules.api import Rule, Severity
from podwarden.rules.registry import Registry

_LEVEL_COLOURS = {"privileged": "#c62828", "baseline": "#ef6c00", "restricted": "#2e7d32"}
_LEVELS = ("privileged", "baseline", "restricted")
_SEVERITIES = sorted(Severity, reverse=True)
#: the AKS guide's sections, for readers who want the source of a rule
_FAMILY_NAMES = {
    "pss": "Pod Security Standards",
    "hardening": "Hardening beyond PSS",
    "credentials": "Credentials in manifests",
    "identity": "Microsoft Entra Workload ID",
    "vault": "Azure Key Vault (Secrets Store CSI)",
    "rbac": "Kubernetes RBAC",
    "suppression": "Suppression annotations",
}
#: strides of the flat arrays (the script's OS, FS, BS)
OBJECT_FIELDS, FINDING_FIELDS, BLAST_FIELDS = 10, 6, 3
#: suppressed findings and errors listed in full up to this many (all are counted)
LIST_LIMIT = 1000


def e(value: object) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


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
                          str(r.severity) if r else "", str(r.pss or "") if r else "", _anchor(rule_id)])
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
    out.write(_head(title))
    out.write(
        "<body><header><h1>" + e(title) + '</h1><p class="meta">'
        + (e(source) + " &middot; " if source else "")
        + f"generated {e(generated)} by podwarden {e(__version__)}</p>"
        + '<nav class="toc">' + "".join(f'<a href="#{a}">{e(t)}</a>' for a, t in toc) + "</nav></header><main>\n"
    )
    for part in (
        _intro(readiness is not None),
        _summary(page),
        _warnings(warnings),
        _objects_section(page),
        _blast_section(page),
        _readiness(readiness) if readiness is not None else "",
        _rules_section(page),
        _problems(page),
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


# -- page parts -------------------------------------------------------------------------


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><style>{CSS}</style></head>\n"
    )


def _intro(audit: bool) -> str:
    what = "the workloads running in a Kubernetes cluster" if audit else "Kubernetes manifests"
    return (
        '<section class="intro"><p>Security problems podwarden found in '
        f"{what}, checked against the AKS guide <em>Best practices for pod security</em>: "
        "least privilege (the Pod Security Standards and further hardening), no credentials in "
        "manifests, Microsoft Entra Workload ID, and secrets from Azure Key Vault. "
        "<b>Critical</b> and <b>high</b> findings are the ones an attacker can use to leave a "
        "container or steal credentials: fix those first. The objects are listed worst first; "
        "click one for its findings, a rule or namespace in the summary to list its objects, "
        "and a rule's name for the reason and the fix.</p>"
        "<noscript><p class=\"bad\">The object list needs JavaScript; the summary below does not.</p></noscript>"
        "</section>"
    )


def _summary(page: Page) -> str:
    cards = [("score", f"{round(page.score_total / page.scored)}/100", "score")] if page.scored else []
    cards += [("findings", f"{page.findings:,}", "total")]
    cards += [(str(s), f"{page.by_severity[s]:,}", str(s)) for s in _SEVERITIES]
    cards += [("objects with findings", f"{page.flagged:,} / {page.objects:,}", "objects"),
              ("errors", f"{len(page.errors):,}", "errors" if page.errors else "total")]
    body = "".join(f'<div class="card {e(cls)}" data-card="{e(label)}"><div class="n">{e(n)}</div>'
                   f'<div class="l">{e(label)}</div></div>' for label, n, cls in cards)
    extra = []
    if page.suppressed_count:
        extra.append(f"{page.suppressed_count:,} suppressed by annotation")
    if page.baselined:
        extra.append(f"{page.baselined:,} already in the baseline")
    note = f'<p class="meta">{e("; ".join(extra))}</p>' if extra else ""
    if not page.findings:
        return (f'<section id="summary"><h2>Summary</h2><div class="cards">{body}</div>{note}'
                '<p class="ok">No findings.</p></section>')
    return (f'<section id="summary"><h2>Summary</h2><div class="cards">{body}</div>{note}'
            f'<div class="grid"><div><h3>By rule</h3>{_rule_table(page)}</div>'
            f'<div><h3>By namespace</h3>{_namespace_table(page)}</div></div></section>')


def _bars(counts: Sequence[int], top: int, width: int = 120) -> str:
    """Stacked severity bars, widths proportional to ``top``."""
    return "".join(f'<span class="bar {s}" style="width:{max(1, round(width * counts[s] / top))}px" '
                   f'title="{counts[s]} {s}"></span>' for s in _SEVERITIES if counts[s])


def _sev_cells(counts: Sequence[int], shown: Sequence[Severity]) -> str:
    return "".join(f'<td class="num">{counts[s]:,}</td>' if counts[s] else "<td></td>" for s in shown)


def _shown(page: Page) -> list[Severity]:
    """The severities the run has (a column for each)."""
    return [s for s in _SEVERITIES if page.by_severity[s]] or [Severity.HIGH]


def _rule_table(page: Page) -> str:
    names = [rule_id for rule_id, _ in page.rules()]
    rows = sorted(page.by_rule.items(), key=lambda kv: (-max((s for s in Severity if kv[1][s]), default=0),
                                                          -sum(kv[1][:-1]), names[kv[0]]))
    top = max((sum(c[:-1]) for _, c in rows), default=1) or 1
    shown = _shown(page)
    body = "".join(
        f'<tr class="pick" data-pick="rule" data-value="{i}"><td class="rid"><a href="#rule-{e(_anchor(names[i]))}">'
        f'{e(names[i])}</a></td><td class="num">{sum(c[:-1]):,}</td>{_sev_cells(c, shown)}'
        f'<td class="num">{c[-1]:,}</td><td class="bars">{_bars(c, top, 90)}</td></tr>'
        for i, c in rows)
    return ('<div class="scroll"><table class="by-rule"><thead><tr><th>rule</th><th class="num">findings</th>'
            + "".join(f'<th class="num">{s}</th>' for s in shown)
            + f'<th class="num">objects</th><th></th></tr></thead><tbody>{body}</tbody></table></div>')


def _namespace_table(page: Page) -> str:
    index = page._strings
    rows = sorted(((ns, c) for ns, c in page.by_namespace.items() if c[-2]),
                  key=lambda kv: (*(-kv[1][s] for s in _SEVERITIES), kv[0]))
    top = max((sum(c[:-2]) for _, c in rows), default=1) or 1
    body = "".join(
        f'<tr class="pick" data-pick="ns" data-value="{index[ns]}"><td>{e(ns)}</td>'
        f'<td class="num">{sum(c[:-2]):,}</td><td class="num">{c[-2]:,} / {c[-1]:,}</td>'
        f'<td class="bars">{_bars(c, top, 90)}</td></tr>'
        for ns, c in rows)
    clean = sum(1 for c in page.by_namespace.values() if not c[-2])
    tail = f'<p class="meta">{clean:,} namespace(s) without findings.</p>' if clean else ""
    return ('<div class="scroll"><table class="by-namespace"><thead><tr><th>namespace</th>'
            '<th class="num">findings</th><th class="num">objects flagged</th><th></th></tr></thead>'
            f"<tbody>{body}</tbody></table></div>{tail}")


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{e(w)}</li>" for w in warnings)
    return f'<section id="warnings" class="warn"><h2>Warnings</h2><ul>{items}</ul></section>'


def _filters(page: Page, blast_sort: bool) -> str:
    names = [rule_id for rule_id, _ in page.rules()]
    families = sorted({n.split("/", 1)[0] for n in names})
    namespaces = sorted(page.listed_namespaces)
    sorts = [("worst", "worst first"), ("findings", "most findings"), ("name", "by name")]
    if blast_sort:
        sorts.insert(2, ("blast", "widest blast radius"))
    return (
        '<div class="filters"><input class="q" type="search" placeholder="Filter: name, file, rule, message" '
        'aria-label="filter"><select class="f-sev" aria-label="worst severity">'
        '<option value="-1">any severity</option>'
        + "".join(f'<option value="{int(s)}">{s} and above</option>' for s in _SEVERITIES if s > Severity.INFO)
        + '</select><select class="f-rule" aria-label="rule"><option value="">all rules</option>'
        + "".join(f'<option value="{i}">{e(n)}</option>' for i, n in sorted(enumerate(names), key=lambda x: x[1]))
        + '</select><select class="f-family" aria-label="family"><option value="">all families</option>'
        + "".join(f'<option value="{e(x)}">{e(x)}</option>' for x in families)
        + '</select><select class="f-ns" aria-label="namespace"><option value="">all namespaces</option>'
        + "".join(f'<option value="{page._strings[x]}">{e(x)}</option>' for x in namespaces)
        + '</select><select class="f-sort" aria-label="order">'
        + "".join(f'<option value="{v}">{t}</option>' for v, t in sorts)
        + "</select></div>"
    )


def _pager(size: bool = True) -> str:
    return ('<div class="pager"><button type="button" data-go="first">&laquo;</button>'
            '<button type="button" data-go="prev">&lsaquo; previous</button>'
            '<button type="button" data-go="next">next &rsaquo;</button>'
            '<button type="button" data-go="last">&raquo;</button>'
            + ('<select class="f-size" aria-label="rows per page"><option>25</option><option selected>50</option>'
               '<option>100</option><option>200</option></select>' if size else "")
            + '<span class="shown meta"></span></div>')


def _objects_section(page: Page) -> str:
    if not page.findings and not page.has_blast:
        return ""
    blast = '<th title="blast radius">blast</th>' if page.has_blast else ""
    return (
        '<section id="objects"><h2>Objects, worst first</h2><div id="objects-view">'
        + _filters(page, page.has_blast) + _pager()
        + '<table class="objects"><thead><tr><th></th><th>worst</th><th>object</th><th>namespace</th>'
        f'<th class="num">findings</th>{blast}<th>file</th></tr></thead><tbody></tbody></table>'
        + _pager(size=False)
        + f'<p class="meta">{page.objects - page.listed:,} object(s) without findings'
        + (" and without blast radius are not listed." if page.has_blast else " are not listed.")
        + "</p></div></section>"
    )


def _blast_section(page: Page) -> str:
    if not page.has_blast:
        return ""
    kinds: dict[str, list[int]] = {}
    strings = list(page._strings)
    for i in range(0, len(page._blast), BLAST_FIELDS):
        sev, kind = page._blast[i], strings[page._blast[i + 1]]
        kinds.setdefault(kind, [0] * len(Severity))[sev] += 1
    rows = "".join(f"<tr><td>{e(k)}</td>{_sev_cells(c, _SEVERITIES)}</tr>" for k, c in kinds.items())
    workloads = sum(1 for _, row in page._objects if row[9])
    return (
        '<section id="blast"><h2>Blast radius</h2><p>What an attacker who controls each workload '
        "reaches: the node (privileged containers, host namespaces and paths, the runtime socket), the "
        "Kubernetes API through its service account, Secrets and Key Vault objects, credentials in its "
        f"manifest and the Azure identity it acts as. {workloads:,} workload(s), widest first.</p>"
        '<table class="blast-kinds" style="width:auto"><thead><tr><th>reach</th>'
        + "".join(f'<th class="num">{s}</th>' for s in _SEVERITIES)
        + f'</tr></thead><tbody>{rows}</tbody></table><div id="blast-view">{_pager()}'
        '<table class="objects"><thead><tr><th></th><th>blast</th><th>object</th><th>namespace</th>'
        '<th class="num">findings</th><th>worst</th><th>file</th></tr></thead><tbody></tbody></table>'
        "</div></section>"
    )


def _rules_section(page: Page) -> str:
    blocks = []
    for _, r in sorted(page.rules(), key=lambda item: item[0]):
        if r is None:
            continue
        family = _FAMILY_NAMES.get(r.family, r.family)
        blocks.append(
            f'<details class="rule" id="rule-{e(_anchor(r.id))}"><summary><b>{e(r.id)}</b>: {e(r.title)} '
            f'<span class="meta">{e(family)} &middot; default severity {e(r.severity)}'
            + (f" &middot; PSS {e(r.pss)}" if r.pss else "") + "</span></summary>"
            f"<h4>What it checks</h4>{_markdown(r.section('What it checks'))}"
            f"<h4>Why (guide reference)</h4>{_markdown(r.section('Why'))}"
            f"<h4>How to fix</h4>{_markdown(r.section('Fix'))}</details>"
        )
    if not blocks:
        return ""
    return f'<section id="rules"><h2>Rules found, with reasons and fixes</h2>{"".join(blocks)}</section>'


def _problems(page: Page) -> str:
    parts = []
    if page.errors:
        parts.append("<h3>Errors</h3><ul>" + "".join(f"<li>{e(err)}</li>" for err in page.errors) + "</ul>")
    if page.suppressed_count:
        more = page.suppressed_count - len(page.suppressed)
        parts.append(
            f"<h3>Suppressed findings ({page.suppressed_count:,})</h3><ul>" + "".join(
                f"<li>{e(rule)} on {e(obj)} <code>{e(path)}</code>: {e(reason)}</li>"
                for rule, obj, path, reason in page.suppressed) + "</ul>"
            + (f'<p class="meta">{more:,} more not listed here (see <code>-o json</code>).</p>' if more else ""))
    if page.skipped:
        parts.append(f'<p class="meta">{page.skipped:,} file(s) skipped (no Kubernetes objects).</p>')
    return f'<section id="problems"><h2>Errors and suppressions</h2>{"".join(parts)}</section>' if parts else ""


# -- audit readiness ------------------------------------------------------------------


def _readiness_chart(readiness: Sequence[Mapping[str, Any]]) -> str:
    """Per namespace: three steps (privileged, baseline, restricted), filled up to the level
    it could enforce now; a ring marks what it enforces today."""
    caption = "PSS readiness per namespace"
    if not readiness:
        return (f'<figure class="chart" id="chart-readiness"><figcaption>{caption}</figcaption>'
                '<p class="meta">no namespace</p></figure>')
    row_h, label_w, step_w = 24, 150, 80
    width = label_w + 3 * step_w + 20
    height = row_h * len(readiness) + 22
    out = []
    for j, name in enumerate(_LEVELS):
        out.append(f'<text class="axis" x="{label_w + j * step_w + step_w // 2}" y="12" '
                   f'text-anchor="middle">{name}</text>')
    for i, ns in enumerate(readiness):
        y = 18 + i * row_h
        ready = (ns.get("ready") or {}).get("level")
        enforced = (ns.get("enforced") or {}).get("level")
        reach = _LEVELS.index(ready) if ready in _LEVELS else -1
        label = str(ns.get("namespace", ""))
        shown = label if len(label) <= 22 else label[:21] + "…"
        cells = []
        for j, level in enumerate(_LEVELS):
            fill = _LEVEL_COLOURS[ready] if j <= reach and ready else "#eceff1"
            cells.append(f'<rect class="step{" on" if j <= reach else ""}" x="{label_w + j * step_w + 2}" '
                         f'y="{y}" width="{step_w - 4}" height="{row_h - 6}" rx="3" fill="{fill}"/>')
            if enforced == level:
                cells.append(f'<rect class="enforced" x="{label_w + j * step_w}" y="{y - 2}" '
                             f'width="{step_w}" height="{row_h - 2}" rx="4" fill="none" '
                             'stroke="#212121" stroke-width="2" stroke-dasharray="4 2"/>')
        verdict = f"{ready or 'unknown'}" + (f", enforces {enforced}" if enforced else ", enforces nothing")
        out.append(
            f'<g class="ns" data-namespace="{e(label)}" data-ready="{e(ready or "unknown")}">'
            f"<title>{e(label)}: could enforce {e(verdict)}</title>"
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{e(shown)}</text>{"".join(cells)}</g>'
        )
    legend = ('<p class="meta">Filled: the highest level the namespace could enforce now. '
              'Dashed box: the level it enforces today.</p>')
    return (
        f'<figure class="chart" id="chart-readiness"><figcaption>{caption}</figcaption>'
        f'<svg role="img" aria-label="{caption}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(out)}</svg>{legend}</figure>'
    )


def _rbac_cell(rbac: Any) -> str:
    """Workloads whose token reaches a dangerous permission: ``N of M``, or why unknown."""
    if not isinstance(rbac, Mapping):
        return "<td>-</td>"
    if rbac.get("dangerous") is None:
        return f'<td title="{e(rbac.get("unknown") or "")}">unknown</td>'
    return f'<td class="num">{e(rbac.get("dangerous"))} of {e(rbac.get("workloads"))}</td>'


def _readiness(readiness: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for ns in readiness:
        ready = ns.get("ready") or {}
        enforced = ns.get("enforced") or {}
        nxt = ns.get("next") or {}
        level = str(ready.get("level", "unknown"))
        could = f"{level}:{ready['version']}" if ready else "unknown"
        today = f"{enforced.get('level')}:{enforced.get('version')}" if enforced else "nothing (privileged)"
        blockers = list(ns.get("blockers") or [])
        if not ready:
            step, detail = "unknown", ""
        elif nxt:
            step = (f"{len(blockers)} pod(s) block {nxt.get('level')}:{nxt.get('version')}"
                    if blockers else f"{nxt.get('level')}:{nxt.get('version')}")
            detail = _blocker_list(blockers)
        else:
            step, detail = "nothing left to fix: restricted at the cluster's version", ""
        labels = ns.get("labels") or {}
        if labels:
            detail += "<p>To enforce it: <code>kubectl label namespace " + e(ns.get("namespace", "")) + " " + " ".join(
                f"{e(k)}={e(v)}" for k, v in labels.items()) + " --overwrite</code></p>"
        drift = list(ns.get("violatingEnforced") or [])
        if drift:
            detail += (f'<p class="bad">{len(drift)} running pod(s) violate the level enforced today '
                       "(admitted before the label, or exempted):</p>" + _blocker_list(drift))
        if ns.get("incomplete"):
            detail += f'<p class="bad">Incomplete: {e(ns["incomplete"])}</p>'
        cell = f"<details><summary>{e(step)}</summary>{detail}</details>" if detail else e(step)
        rows.append(
            f'<tr data-namespace="{e(ns.get("namespace", ""))}" data-ready="{e(level)}">'
            f'<td>{e(ns.get("namespace", ""))}</td><td class="num">{e(ns.get("pods", 0))}</td>'
            f"<td>{e(today)}</td>"
            f'<td><span class="lvl {e(level)}">{e(could)}</span></td>{_rbac_cell(ns.get("rbac"))}<td>{cell}</td></tr>'
        )
    return (
        '<section id="readiness"><h2>Namespace readiness (Pod Security Standards)</h2>'
        "<p>Pod Security Admission enforces a level per namespace through the label "
        "<code>pod-security.kubernetes.io/enforce</code>. <em>Could enforce</em> is the strictest "
        "level (and the newest policy version) that every pod running in the namespace already "
        "meets, so setting it rejects none of them. <em>Next step</em> lists the pods to fix first.</p>"
        + _readiness_chart(readiness)
        + '<table class="readiness"><thead><tr><th>namespace</th><th>pods</th><th>enforces today</th>'
        '<th>could enforce now</th><th title="workloads whose service account token reaches a dangerous '
        'permission">rbac</th>'
        f'<th>next step</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _blocker_list(blockers: Iterable[Mapping[str, Any]]) -> str:
    items = []
    for b in blockers:
        owner = f' <span class="meta">({e(b["workload"])})</span>' if b.get("workload") else ""
        checks = ", ".join(str(c) for c in b.get("checks") or [])
        items.append(f"<li><b>{e(b.get('pod', ''))}</b>{owner}: {e(checks)}</li>")
    return f'<ul class="blockers">{"".join(items)}</ul>' if items else ""


# -- text helpers ---------------------------------------------------------------------


def _namespace_of(kind: str, namespace: str | None, name: str) -> str:
    if kind == "Namespace":
        return name
    return namespace or "(none)"


def _anchor(rule_id: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", rule_id.lower())


def _inline(text: str) -> str:
    """Escaped text with `code` spans (rule docs are Markdown)."""
    parts = text.split("`")
    return "".join(f"<code>{e(p)}</code>" if i % 2 else e(p) for i, p in enumerate(parts))


def _markdown(text: str) -> str:
    """The little Markdown rule docs use: paragraphs, ``-`` lists, `code`; all escaped."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith(("- ", "* ")) for line in lines):
            out.append("<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in lines) + "</ul>")
        elif lines:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "".join(out)


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
