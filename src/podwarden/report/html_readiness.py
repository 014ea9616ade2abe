"""The audit page's readiness section: per namespace, the Pod Security Standards level it
could enforce now, what it enforces today, the pods blocking the next step and its rbac
column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from podwarden.report.html_parts import e

_LEVEL_COLOURS = {"privileged": "#c62828", "baseline": "#ef6c00", "restricted": "#2e7d32"}
_LEVELS = ("privileged", "baseline", "restricted")


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


def readiness_section(readiness: Sequence[Mapping[str, Any]]) -> str:
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
