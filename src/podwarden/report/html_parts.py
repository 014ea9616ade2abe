"""The HTML report's page parts: head, summary tables, filters, the objects and blast
radius sections, the rules' documentation and the errors; every value escaped here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from podwarden.report.html_assets import CSS
from podwarden.rules.api import Severity

if TYPE_CHECKING:
    from podwarden.report.html import Page

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


def e(value: object) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(str(value), quote=True)


def anchor(rule_id: str) -> str:
    """A rule's id as an HTML id fragment."""
    return re.sub(r"[^a-z0-9-]", "-", rule_id.lower())


def head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><style>{CSS}</style></head>\n"
    )


def intro(audit: bool) -> str:
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


def summary(page: Page) -> str:
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
        f'<tr class="pick" data-pick="rule" data-value="{i}"><td class="rid"><a href="#rule-{e(anchor(names[i]))}">'
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


def warnings_part(warnings: Sequence[str]) -> str:
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


def objects_section(page: Page) -> str:
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


def blast_section(page: Page) -> str:
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


def rules_section(page: Page) -> str:
    blocks = []
    for _, r in sorted(page.rules(), key=lambda item: item[0]):
        if r is None:
            continue
        family = _FAMILY_NAMES.get(r.family, r.family)
        blocks.append(
            f'<details class="rule" id="rule-{e(anchor(r.id))}"><summary><b>{e(r.id)}</b>: {e(r.title)} '
            f'<span class="meta">{e(family)} &middot; default severity {e(r.severity)}'
            + (f" &middot; PSS {e(r.pss)}" if r.pss else "") + "</span></summary>"
            f"<h4>What it checks</h4>{_markdown(r.section('What it checks'))}"
            f"<h4>Why (guide reference)</h4>{_markdown(r.section('Why'))}"
            f"<h4>How to fix</h4>{_markdown(r.section('Fix'))}</details>"
        )
    if not blocks:
        return ""
    return f'<section id="rules"><h2>Rules found, with reasons and fixes</h2>{"".join(blocks)}</section>'


def problems(page: Page) -> str:
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
