"""One self-contained HTML page: summary, charts, a filterable findings table, fixes, objects.

Everything is inline (CSS, a little JavaScript, SVG charts) and a Content-Security-Policy
forbids any network access, so the file opens anywhere, offline, and can be mailed.
Every value from a manifest or a cluster is escaped; credential findings carry only
their redacted fingerprint, as everywhere else.  The table is rendered as HTML rows, so
the report reads without JavaScript too; the script only filters and sorts them.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from podwarden import __version__
from podwarden.engine import Finding, ObjectResult, Result
from podwarden.rules.api import Rule, Severity
from podwarden.rules.registry import Registry

_SEVERITY_COLOURS = {
    Severity.CRITICAL: "#7b1fa2",
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#ef6c00",
    Severity.LOW: "#1565c0",
    Severity.INFO: "#546e7a",
}
_LEVEL_COLOURS = {"privileged": "#c62828", "baseline": "#ef6c00", "restricted": "#2e7d32"}
_LEVELS = ("privileged", "baseline", "restricted")
#: the AKS guide's sections, for readers who want the source of a rule
_FAMILY_NAMES = {
    "pss": "Pod Security Standards",
    "hardening": "Hardening beyond PSS",
    "credentials": "Credentials in manifests",
    "identity": "Microsoft Entra Workload ID",
    "vault": "Azure Key Vault (Secrets Store CSI)",
    "suppression": "Suppression annotations",
}


def e(value: object) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


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
    """The whole page for a run (``check``) or an audit (``audit``, with ``readiness``)."""
    generated = generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    findings = sorted(result.findings, key=lambda f: (-int(f.severity), f.rule_id, str(f.object), f.path))
    rules = {f.rule_id: registry.get(f.rule_id) for f in findings}
    parts = [
        _head(title),
        '<body><header><h1>' + e(title) + '</h1><p class="meta">'
        + (e(source) + " &middot; " if source else "")
        + f"generated {e(generated)} by podwarden {e(__version__)}</p></header><main>",
        _intro(readiness is not None),
        _summary(result, findings),
        _warnings(warnings),
        _charts(findings, readiness),
        _readiness(readiness) if readiness is not None else "",
        _table(findings, rules),
        _rules(r for r in rules.values() if r is not None),
        _objects(result.objects),
        _problems(result),
        "</main>",
        "<footer>podwarden implements the AKS guide <em>Best practices for pod security</em>. "
        "This file makes no network requests.</footer>",
        f"<script>{_SCRIPT}</script></body></html>\n",
    ]
    return "\n".join(p for p in parts if p)


# -- page parts -------------------------------------------------------------------------


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><style>{_CSS}</style></head>"
    )


def _intro(audit: bool) -> str:
    what = ("the workloads running in a Kubernetes cluster" if audit
            else "Kubernetes manifests")
    return (
        '<section class="intro"><p>This report lists security problems podwarden found in '
        f"{what}, checked against the AKS guide <em>Best practices for pod security</em>: "
        "pods should run with the least privilege they need (the Pod Security Standards and "
        "further hardening), keep no credentials in their manifests, reach Azure with "
        "Microsoft Entra Workload ID, and read secrets from Azure Key Vault.</p>"
        "<p>Each finding names the object, the field at fault and what to change. "
        "<b>Critical</b> and <b>high</b> findings are the ones an attacker can use to leave a "
        "container or steal credentials: fix those first. Click a column title to sort, use "
        "the filters to narrow the table, and follow a rule name for the reason and the fix."
        + (" The <a href=\"#readiness\">readiness</a> table tells, for each namespace, which "
           "Pod Security Standards level it could enforce today without rejecting any of its pods."
           if audit else "")
        + "</p></section>"
    )


def _summary(result: Result, findings: Sequence[Finding]) -> str:
    by_sev = Counter(f.severity for f in findings)
    flagged = sum(1 for o in result.objects if o.findings)
    cards = [
        ('findings', len(findings), "total"),
        *[(str(s), by_sev.get(s, 0), str(s)) for s in sorted(Severity, reverse=True)],
        ("objects with findings", f"{flagged} / {len(result.objects)}", "objects"),
        ("errors", len(result.errors), "errors" if result.errors else "total"),
    ]
    body = "".join(
        f'<div class="card {e(cls)}" data-card="{e(label)}"><div class="n">{e(n)}</div>'
        f'<div class="l">{e(label)}</div></div>'
        for label, n, cls in cards
    )
    extra = []
    if result.suppressed:
        extra.append(f"{len(result.suppressed)} suppressed by annotation")
    if result.baselined:
        extra.append(f"{result.baselined} already in the baseline")
    note = f'<p class="meta">{e("; ".join(extra))}</p>' if extra else ""
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{body}</div>{note}</section>'


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{e(w)}</li>" for w in warnings)
    return f'<section id="warnings" class="warn"><h2>Warnings</h2><ul>{items}</ul></section>'


def _bar_chart(chart_id: str, caption: str, rows: Sequence[tuple[str, int, str]]) -> str:
    """A horizontal bar chart as inline SVG: (label, value, colour) per bar."""
    if not rows:
        return (f'<figure class="chart" id="{e(chart_id)}"><figcaption>{e(caption)}</figcaption>'
                '<p class="meta">nothing to show</p></figure>')
    top = max(v for _, v, _ in rows) or 1
    bar_h, gap, label_w, width = 20, 6, 150, 420
    height = len(rows) * (bar_h + gap)
    bars = []
    for i, (label, value, colour) in enumerate(rows):
        y = i * (bar_h + gap)
        w = max(2, round((width - label_w - 50) * value / top))
        shown = label if len(label) <= 22 else label[:21] + "…"
        bars.append(
            f'<g class="bar" data-label="{e(label)}" data-value="{value}">'
            f'<title>{e(label)}: {value}</title>'
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{e(shown)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{e(colour)}"/>'
            f'<text x="{label_w + w + 5}" y="{y + 14}">{value}</text></g>'
        )
    return (
        f'<figure class="chart" id="{e(chart_id)}"><figcaption>{e(caption)}</figcaption>'
        f'<svg role="img" aria-label="{e(caption)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg></figure>'
    )


def _charts(findings: Sequence[Finding], readiness: Sequence[Mapping[str, Any]] | None) -> str:
    by_sev = Counter(f.severity for f in findings)
    sev_rows = [(str(s), by_sev[s], _SEVERITY_COLOURS[s]) for s in sorted(Severity, reverse=True) if by_sev[s]]
    by_family = Counter(f.rule_id.split("/", 1)[0] for f in findings)
    fam_rows = [(k, v, "#37474f") for k, v in by_family.most_common()]
    by_ns = Counter(_namespace(f) for f in findings)
    ns_rows = [(k, v, "#00695c") for k, v in by_ns.most_common(15)]
    charts = [
        _bar_chart("chart-severity", "Findings by severity", sev_rows),
        _bar_chart("chart-family", "Findings by rule family", fam_rows),
        _bar_chart("chart-namespace", "Findings by namespace" + (" (top 15)" if len(by_ns) > 15 else ""), ns_rows),
    ]
    if readiness is not None:
        charts.append(_readiness_chart(readiness))
    return f'<section id="charts"><h2>At a glance</h2><div class="charts">{"".join(charts)}</div></section>'


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
            f'<td><span class="lvl {e(level)}">{e(could)}</span></td><td>{cell}</td></tr>'
        )
    return (
        '<section id="readiness"><h2>Namespace readiness (Pod Security Standards)</h2>'
        "<p>Pod Security Admission enforces a level per namespace through the label "
        "<code>pod-security.kubernetes.io/enforce</code>. <em>Could enforce</em> is the strictest "
        "level (and the newest policy version) that every pod running in the namespace already "
        "meets, so setting it rejects none of them. <em>Next step</em> lists the pods to fix first.</p>"
        '<table class="readiness"><thead><tr><th>namespace</th><th>pods</th><th>enforces today</th>'
        f'<th>could enforce now</th><th>next step</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _blocker_list(blockers: Iterable[Mapping[str, Any]]) -> str:
    items = []
    for b in blockers:
        owner = f' <span class="meta">({e(b["workload"])})</span>' if b.get("workload") else ""
        checks = ", ".join(str(c) for c in b.get("checks") or [])
        items.append(f"<li><b>{e(b.get('pod', ''))}</b>{owner}: {e(checks)}</li>")
    return f'<ul class="blockers">{"".join(items)}</ul>' if items else ""


def _table(findings: Sequence[Finding], rules: Mapping[str, Rule | None]) -> str:
    families = sorted({f.rule_id.split("/", 1)[0] for f in findings})
    namespaces = sorted({_namespace(f) for f in findings})
    options = (
        '<div class="filters"><input id="q" type="search" placeholder="Filter: text in any column" '
        'aria-label="filter">'
        '<select id="f-severity" aria-label="minimum severity"><option value="0">all severities</option>'
        + "".join(f'<option value="{int(s)}">{s} and above</option>' for s in sorted(Severity, reverse=True)
                  if s > Severity.INFO)
        + '</select><select id="f-family" aria-label="family"><option value="">all families</option>'
        + "".join(f'<option value="{e(x)}">{e(x)}</option>' for x in families)
        + '</select><select id="f-namespace" aria-label="namespace"><option value="">all namespaces</option>'
        + "".join(f'<option value="{e(x)}">{e(x)}</option>' for x in namespaces)
        + '</select><span id="shown" class="meta"></span></div>'
    )
    rows = []
    for i, f in enumerate(findings):
        r = rules.get(f.rule_id)
        family = f.rule_id.split("/", 1)[0]
        fix = _first_sentence(r.section("Fix")) if r else ""
        where = f.path + (f" ({f.file}:{f.line})" if f.line > 0 else "")
        secret = f' <span class="meta">fingerprint {e(f.secret)}</span>' if f.secret else ""
        pods = "" if f.pods is None else str(f.pods)
        rows.append(
            f'<tr class="finding" data-severity="{int(f.severity)}" data-family="{e(family)}" '
            f'data-namespace="{e(_namespace(f))}" data-order="{i}">'
            f'<td data-sort="{int(f.severity)}"><span class="sev {e(f.severity)}">{e(f.severity)}</span></td>'
            f'<td><a href="#rule-{e(_anchor(f.rule_id))}">{e(f.rule_id)}</a></td>'
            f'<td>{e(f.object.kind)}/{e(f.object.name)}</td><td>{e(_namespace(f))}</td>'
            f"<td>{e(f.message)}{secret}<div class=\"where\">{e(where)}</div></td>"
            f'<td class="num" data-sort="{e(pods or -1)}">{e(pods)}</td>'
            f'<td class="fix">{_inline(fix)}</td></tr>'
        )
    if not rows:
        body = '<p class="ok">No findings.</p>'
    else:
        body = (
            options + '<table id="findings" class="sortable"><thead><tr>'
            '<th data-type="num">severity</th><th>rule</th><th>object</th><th>namespace</th>'
            '<th>problem and field</th><th data-type="num">pods</th><th>how to fix</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
        )
    return f'<section id="findings-section"><h2>Findings</h2>{body}</section>'


def _rules(rules: Iterable[Rule]) -> str:
    seen: dict[str, Rule] = {}
    for r in rules:
        seen.setdefault(r.id, r)
    if not seen:
        return ""
    blocks = []
    for r in sorted(seen.values(), key=lambda r: r.id):
        family = _FAMILY_NAMES.get(r.family, r.family)
        blocks.append(
            f'<article class="rule" id="rule-{e(_anchor(r.id))}"><h3>{e(r.id)}: {e(r.title)}</h3>'
            f'<p class="meta">{e(family)} &middot; default severity {e(r.severity)}'
            + (f" &middot; PSS {e(r.pss)}" if r.pss else "") + "</p>"
            f"<h4>What it checks</h4>{_markdown(r.section('What it checks'))}"
            f"<h4>Why (guide reference)</h4>{_markdown(r.section('Why'))}"
            f"<h4>How to fix</h4>{_markdown(r.section('Fix'))}</article>"
        )
    return f'<section id="rules"><h2>Rules found, with reasons and fixes</h2>{"".join(blocks)}</section>'


def _objects(objects: Sequence[ObjectResult]) -> str:
    flagged = [o for o in objects if o.findings]
    clean = len(objects) - len(flagged)
    flagged.sort(key=lambda o: (-max(int(f.severity) for f in o.findings), str(o.object)))
    blocks = []
    for o in flagged:
        worst = max(f.severity for f in o.findings)
        pods = max((f.pods for f in o.findings if f.pods is not None), default=None)
        where = o.file + (f":{o.line}" if o.line > 0 else "")
        items = "".join(
            f'<li><span class="sev {e(f.severity)}">{e(f.severity)}</span> '
            f'<a href="#rule-{e(_anchor(f.rule_id))}">{e(f.rule_id)}</a> '
            f'<code>{e(f.path)}</code>: {e(f.message)}</li>'
            for f in sorted(o.findings, key=lambda f: (-int(f.severity), f.rule_id, f.path))
        )
        blocks.append(
            f'<details class="object" data-object="{e(o.object)}"><summary>'
            f'<span class="sev {e(worst)}">{e(worst)}</span> <b>{e(o.object)}</b> '
            f'<span class="meta">{len(o.findings)} finding(s) &middot; {e(where)}'
            + (f" &middot; pods: {pods}+" if pods else "") + f"</span></summary><ul>{items}</ul></details>"
        )
    tail = f'<p class="meta">{clean} object(s) without findings.</p>'
    return f'<section id="objects"><h2>Objects</h2>{"".join(blocks)}{tail}</section>'


def _problems(result: Result) -> str:
    parts = []
    if result.errors:
        parts.append("<h3>Errors</h3><ul>" + "".join(f"<li>{e(err)}</li>" for err in result.errors) + "</ul>")
    if result.suppressed:
        parts.append("<h3>Suppressed findings</h3><ul>" + "".join(
            f"<li>{e(s.finding.rule_id)} on {e(s.finding.object)} <code>{e(s.finding.path)}</code>: "
            f"{e(s.reason)}</li>" for s in result.suppressed) + "</ul>")
    if result.skipped:
        parts.append(f'<p class="meta">{len(result.skipped)} file(s) skipped (no Kubernetes objects).</p>')
    return f'<section id="problems"><h2>Errors and suppressions</h2>{"".join(parts)}</section>' if parts else ""


# -- text helpers ---------------------------------------------------------------------


def _namespace(f: Finding) -> str:
    if f.object.kind == "Namespace":
        return f.object.name
    return f.object.namespace or "(none)"


def _anchor(rule_id: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", rule_id.lower())


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


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


_CSS = """
:root{--fg:#212121;--muted:#607d8b;--line:#e0e0e0;--bg:#fafafa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#263238;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header .meta{color:#cfd8dc}
main{padding:8px 28px 28px;max-width:1400px}section{margin:22px 0}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);font-size:12px}.intro p{max-width:900px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px}
.card .n{font-size:24px;font-weight:600}.card .l{color:var(--muted)}.card.critical .n{color:#7b1fa2}.card.high .n{color:#c62828}
.card.medium .n{color:#ef6c00}.card.low .n{color:#1565c0}.card.errors .n{color:#c62828}
.charts{display:flex;flex-wrap:wrap;gap:18px}.chart{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0;padding:10px 14px}
.chart figcaption{font-weight:600;margin-bottom:6px}.chart svg text{font-size:12px;fill:#37474f}.chart svg text.axis{fill:#607d8b}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:#eceff1;position:sticky;top:0}table.sortable th{cursor:pointer;user-select:none}th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
td.num{text-align:right}.where{color:var(--muted);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
td.fix{max-width:340px;font-size:13px}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#eceff1;padding:0 3px;border-radius:3px}
.sev{display:inline-block;min-width:64px;text-align:center;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600}
.sev.critical{background:#7b1fa2}.sev.high{background:#c62828}.sev.medium{background:#ef6c00}.sev.low{background:#1565c0}.sev.info{background:#546e7a}
.lvl{font-weight:600}.lvl.restricted{color:#2e7d32}.lvl.baseline{color:#ef6c00}.lvl.privileged{color:#c62828}.lvl.unknown{color:#607d8b}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:8px 0}.filters input{min-width:280px;padding:5px 8px}.filters select{padding:4px}
details.object{background:#fff;border:1px solid var(--line);border-radius:6px;margin:4px 0;padding:6px 10px}details summary{cursor:pointer}
.rule{background:#fff;border:1px solid var(--line);border-radius:8px;padding:4px 16px 10px;margin:10px 0}.rule h3{font-size:15px}.rule h4{margin:10px 0 2px;font-size:13px}
.warn{background:#fff8e1;border:1px solid #ffe082;border-radius:8px;padding:4px 16px}.bad{color:#c62828}.ok{color:#2e7d32;font-weight:600}
footer{color:var(--muted);padding:12px 28px 28px;font-size:12px}tr.hidden{display:none}
"""

_SCRIPT = r"""
(function(){
  var table=document.getElementById('findings');
  if(!table){return;}
  var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
  var q=document.getElementById('q'), sev=document.getElementById('f-severity'),
      fam=document.getElementById('f-family'), ns=document.getElementById('f-namespace'),
      shown=document.getElementById('shown');
  function apply(){
    var text=q.value.toLowerCase(), min=parseInt(sev.value,10)||0, n=0;
    rows.forEach(function(r){
      var ok=parseInt(r.dataset.severity,10)>=min && (!fam.value||r.dataset.family===fam.value)
        && (!ns.value||r.dataset.namespace===ns.value) && (!text||r.textContent.toLowerCase().indexOf(text)>=0);
      r.classList.toggle('hidden',!ok); if(ok){n++;}
    });
    shown.textContent=n+' of '+rows.length+' findings shown';
  }
  [q,sev,fam,ns].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc'), num=th.dataset.type==='num';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      rows.sort(function(a,b){
        var x=a.cells[i].dataset.sort||a.cells[i].textContent, y=b.cells[i].dataset.sort||b.cells[i].textContent;
        var c=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
        if(c===0){c=parseInt(a.dataset.order,10)-parseInt(b.dataset.order,10); return c;}
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
"""
