"""Verdicts of ``podwarden pss``: per object or per file, violations grouped by check as
Pod Security Admission words them (reason, then the offending details)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from podwarden.engine import Finding, ObjectResult, Result
from podwarden.rules.registry import Registry


def violations(findings: Iterable[Finding], registry: Registry) -> list[dict[str, Any]]:
    """Findings grouped by check, in rule order: check id, reason, details, paths."""
    grouped: dict[str, dict[str, Any]] = {}
    for f in findings:
        r = registry.get(f.rule_id)
        entry = grouped.setdefault(f.rule_id, {
            "check": r.upstream_id if r and r.upstream_id else f.rule_id,
            "rule": f.rule_id,
            "reason": r.reason if r else f.rule_id,
            "details": [],
            "paths": [],
            "line": f.line,
        })
        entry["details"].append(f.message)
        entry["paths"].append(f.path)
    order = list(registry.rules)
    return sorted(grouped.values(), key=lambda e: order.index(e["rule"]) if e["rule"] in order else 0)


def _object(o: ObjectResult, registry: Registry) -> dict[str, Any]:
    return {
        "file": o.file,
        "line": o.line,
        "object": o.object.as_dict(),
        "allowed": not o.findings,
        "violations": violations(o.findings, registry),
    }


def document(result: Result, registry: Registry, level: str, version: str, per_file: bool) -> dict[str, Any]:
    """The JSON verdict; ``per_file`` gives ``{"files": [{path, allowed, violations}]}``."""
    doc: dict[str, Any] = {"level": level, "version": version}
    errors: dict[str, str] = {}
    for e in result.errors:
        errors.setdefault(e.file, str(e))
    if per_file:
        by_file: dict[str, list[ObjectResult]] = {}
        for o in result.objects:
            if o.pod:
                by_file.setdefault(o.file, []).append(o)
        files = []
        for path in result.paths:
            objs = by_file.get(path, [])
            entry: dict[str, Any] = {
                "path": path,
                "allowed": path not in errors and all(not o.findings for o in objs),
                "violations": [v | {"object": o.object.as_dict()}
                               for o in objs for v in violations(o.findings, registry)],
            }
            if path in errors:
                entry["error"] = errors[path]
            files.append(entry)
        doc["files"] = files
    else:
        pods = [o for o in result.objects if o.pod]
        doc["allowed"] = not result.findings and not result.errors
        doc["objects"] = [_object(o, registry) for o in pods]
    doc["errors"] = [str(e) for e in result.errors]
    return doc


def render_json(result: Result, registry: Registry, level: str, version: str, per_file: bool) -> str:
    return json.dumps(document(result, registry, level, version, per_file), indent=2) + "\n"


def render_text(result: Result, registry: Registry, level: str, version: str) -> str:
    """One block per object that violates the level, then a verdict line."""
    lines: list[str] = []
    pods = [o for o in result.objects if o.pod]
    for o in pods:
        if not o.findings:
            continue
        lines.append(f"{o.file}:{o.line}: {o.object} violates PodSecurity \"{level}:{version}\"")
        for v in violations(o.findings, registry):
            lines.append(f"  {v['check']}: {v['reason']} ({'; '.join(v['details'])})")
    bad = sum(1 for o in pods if o.findings)
    lines.append(
        f"{len(pods) - bad} of {len(pods)} pod-bearing objects allowed at {level}:{version}"
        + (f"; {len(result.errors)} error{'s' if len(result.errors) != 1 else ''}" if result.errors else "")
    )
    return "\n".join(lines) + "\n"
