"""The audit's report in every format, written namespace by namespace as they are evaluated.

Text, JUnit and JSON findings go out as each namespace completes; what only the end
knows (summary, readiness, warnings) closes the document.  SARIF puts its rule table,
which lists the rules with findings, before the results: results are spooled to a
temporary file and copied after it.  HTML is one page with tables and charts over the
whole audit: it keeps the folded findings (one per workload, not per pod) and the
verdicts, never the objects read.

With more than one cluster, every finding carries ``cluster`` (its kubeconfig context),
sources read ``CONTEXT/namespace/NAME`` and readiness is given per cluster.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from podwarden.cluster.readiness import NamespaceReadiness, render_text
from podwarden.engine import FileResult
from podwarden.report import html, junit, sarif
from podwarden.report import text as text_report
from podwarden.report.json import FORMAT_VERSION, closing_part
from podwarden.report.tally import Tally
from podwarden.rules.registry import Registry


@dataclass(slots=True)
class ClusterPart:
    """One audited cluster, as reports describe it; readiness fills in as it is judged."""

    server: str
    context: str
    minor: int | None
    newest: int
    namespaces: list[str]
    warnings: list[str]
    notes: list[str]
    readiness: list[NamespaceReadiness] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"server": self.server, "context": self.context,
                "version": f"v1.{self.minor}" if self.minor else None, "namespaces": self.namespaces}


Parts = Iterable[tuple[ClusterPart, FileResult]]


def _tagged(parts: Parts, multi: bool) -> Iterator[FileResult]:
    """The file results, sources named by cluster when there is more than one (the part,
    and the findings and objects in it: reports name either)."""
    for cluster, fr in parts:
        if not multi:
            yield fr
            continue
        source = f"{cluster.context}/{fr.path}"
        yield fr.replace(
            path=source,
            findings=[f.replace(file=source) for f in fr.findings],
            objects=[o.replace(file=source, findings=[f.replace(file=source) for f in o.findings])
                     for o in fr.objects])


def write(fmt: str, parts: Parts, clusters: Sequence[ClusterPart], out: TextIO, registry: Registry,
          tally: Tally, multi: bool) -> None:
    """Write the report; ``clusters`` is complete (readiness included) once ``parts`` is."""
    if fmt == "json":
        write_json(parts, clusters, out, tally, multi)
    elif fmt == "sarif":
        write_sarif(parts, out, registry, tally, multi)
    elif fmt == "junit":
        junit.write(_tagged(parts, multi), out, tally)
    elif fmt == "html":
        write_html(parts, clusters, out, registry, tally, multi)
    else:
        text_report.write(_tagged(parts, multi), out, registry, tally, colour=False)
        for cluster in clusters:
            out.write("\n" + render_text(sorted(cluster.readiness, key=lambda v: v.namespace), cluster.newest,
                                         f"{cluster.context} ({cluster.server})" if multi else ""))


def _indented(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it nested ``depth`` levels deep."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def write_json(parts: Parts, clusters: Sequence[ClusterPart], out: TextIO, tally: Tally, multi: bool) -> None:
    """``check``'s JSON document plus ``cluster`` (``clusters``: a list, with more than one),
    ``readiness`` and ``warnings``; laid out as ``json.dumps(doc, indent=2)`` would."""
    out.write(f'{{\n  "version": {FORMAT_VERSION},\n  "findings": [')
    first = True
    radii: list[dict[str, Any]] = []  # one per workload, with --blast-radius only
    for cluster, fr in parts:
        tally.add(fr)
        for f in fr.findings:
            finding = f.as_dict()
            if multi:
                finding["cluster"] = cluster.context
            out.write(("\n    " if first else ",\n    ") + _indented(finding, 2))
            first = False
        for o in fr.objects:
            if o.blast is not None:
                radius = {"file": o.file, "line": o.line, "object": o.object.as_dict(), **o.blast.as_dict()}
                radii.append(radius | {"cluster": cluster.context} if multi else radius)
    out.write("],\n" if first else "\n  ],\n")
    tail = closing_part(tally)
    if radii:  # as check writes it: before the errors
        tail = {"blastRadius": radii, **tail}
    if multi:
        tail["clusters"] = [c.as_dict() for c in clusters]
        tail["readiness"] = [v.as_dict() | {"cluster": c.context}
                             for c in clusters for v in sorted(c.readiness, key=lambda v: v.namespace)]
        tail["warnings"] = [f"{c.context}: {w}" for c in clusters for w in c.warnings]
    else:
        cluster = clusters[0]
        tail["cluster"] = cluster.as_dict()
        tail["readiness"] = [v.as_dict() for v in sorted(cluster.readiness, key=lambda v: v.namespace)]
        tail["warnings"] = cluster.warnings
    body = json.dumps(tail, indent=2)[1:-1].strip("\n")
    out.write(body + "\n}\n")


def write_sarif(parts: Parts, out: TextIO, registry: Registry, tally: Tally, multi: bool) -> None:
    """SARIF as ``check`` writes it, its rule table listing the rules with findings."""
    used: set[str] = set()
    with tempfile.TemporaryFile("w+", encoding="utf-8", prefix="podwarden-sarif-") as spooled:
        for cluster, fr in parts:
            tally.add(fr)
            for f in fr.findings:
                used.add(f.rule_id)
                # the rule's index is known at the end: written then, in place of this one
                result = sarif.result_dict(f, -1)
                if multi:
                    result["properties"]["cluster"] = cluster.context
                spooled.write(f"{f.rule_id}\t{json.dumps(result)}\n")
        rules = [r for r in registry if r.id in used]
        index = {r.id: i for i, r in enumerate(rules)}
        before, after = sarif.around_results(rules)
        out.write(before + "[")
        first = True
        spooled.seek(0)
        for line in spooled:
            rule_id, text = line.rstrip("\n").split("\t", 1)
            placeholder = '{"ruleId": ' + json.dumps(rule_id) + ', "ruleIndex": -1'
            text = placeholder.replace("-1", str(index[rule_id])) + text[len(placeholder):]
            out.write(("\n" if first else ",\n") + text)
            first = False
    out.write("]" if first else "\n]")
    out.write(',\n      "invocations": ' + json.dumps([sarif.invocation(tally)]) + after + "\n")


def write_html(parts: Parts, clusters: Sequence[ClusterPart], out: TextIO, registry: Registry, tally: Tally,
               multi: bool) -> None:
    """One page over the whole audit: results folded into the page's compact rows as they
    stream (no finding kept), then the verdicts."""
    page = html.Page(registry)
    for fr in tally.watch(_tagged(parts, multi)):
        page.add(fr)
    verdicts = []
    for c in clusters:
        for v in sorted(c.readiness, key=lambda v: v.namespace):
            d = v.as_dict()
            if multi:
                d["namespace"] = f"{c.context}/{d['namespace']}"
            verdicts.append(d)
    warnings = [f"{c.context}: {w}" if multi else w for c in clusters for w in [*c.warnings, *c.notes]]
    if len(clusters) == 1:
        source = f"cluster {clusters[0].server} (context {clusters[0].context})"
    else:
        source = "clusters " + ", ".join(f"{c.server} (context {c.context})" for c in clusters)
    html.write_page(page, out, readiness=verdicts, title="podwarden cluster audit", source=source,
                    warnings=warnings)
