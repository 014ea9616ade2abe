"""Verdicts of ``podwarden pss``: per object or per file, violations grouped by check as
Pod Security Admission words them (reason, then the offending details)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from podwarden.engine import FileResult, Finding, ObjectResult
from podwarden.report.tally import Tally
from podwarden.report.text import safe
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


def write_json(results: Iterable[FileResult], out: TextIO, tally: Tally, registry: Registry,
               level: str, version: str, per_file: bool) -> None:
    """The JSON verdict, streamed: objects (or files) as they are read, then ``allowed`` and
    ``errors``.  ``per_file`` gives ``{"files": [{path, allowed, violations}]}``."""
    out.write("{\n" + f'  "level": {json.dumps(level)},\n  "version": {json.dumps(version)},\n')
    out.write('  "files": [' if per_file else '  "objects": [')
    first = True
    pending: list[str] = []  # written once per file: an unbuffered stdout makes each write a system call

    def item(entry: dict[str, Any]) -> None:
        nonlocal first
        pending.append(("\n    " if first else ",\n    ") + json.dumps(entry))
        first = False

    current: dict[str, Any] | None = None
    for fr in tally.watch(results):
        if not per_file:
            for o in fr.objects:
                if o.pod:
                    item(_object(o, registry))
        else:
            if current is not None and not (fr.continued and fr.path == current["path"]):
                item(current)  # the previous file is complete
                current = None
            if current is None:
                current = {"path": fr.path, "allowed": True, "violations": []}
            if fr.errors:
                current["allowed"] = False
                current.setdefault("error", str(fr.errors[0]))
            for o in fr.objects:
                if o.pod and o.findings:
                    current["allowed"] = False
                    current["violations"].extend(
                        v | {"object": o.object.as_dict()} for v in violations(o.findings, registry))
        if pending:  # what is complete, now
            out.write("".join(pending))
            pending.clear()
    if current is not None:
        item(current)
    out.write("".join(pending) + ("\n  ],\n" if not first else "],\n"))
    if not per_file:
        out.write(f'  "allowed": {json.dumps(not tally.findings and not tally.errors)},\n')
    out.write(f'  "errors": {json.dumps([str(e) for e in tally.errors])}\n}}\n')


def write_text(results: Iterable[FileResult], out: TextIO, tally: Tally, registry: Registry,
               level: str, version: str, per_file: bool = False) -> None:
    """One block per object that violates the level, as it is read, then a verdict line;
    ``per_file``: one verdict line per file instead of the blocks."""
    pods = bad = 0
    current: list[Any] | None = None  # [path, pods, violating, error]

    def verdict(entry: list[Any]) -> None:
        path, n, violating, error = entry
        path = safe(path)
        if error:
            out.write(f"{path}: error\n")
        elif violating:
            out.write(f"{path}: violates PodSecurity \"{level}:{version}\" "
                      f"({violating} of {n} pod-bearing object{'s' if n != 1 else ''})\n")
        else:
            out.write(f"{path}: allowed ({n} pod-bearing object{'s' if n != 1 else ''})\n")

    for fr in tally.watch(results):
        if per_file:
            if current is not None and not (fr.continued and fr.path == current[0]):
                verdict(current)
                current = None
            if current is None:
                current = [fr.path, 0, 0, False]
            current[3] = current[3] or bool(fr.errors)
        for o in fr.objects:
            if not o.pod:
                continue
            pods += 1
            if per_file and current is not None:
                current[1] += 1
                current[2] += bool(o.findings)
            if not o.findings:
                continue
            bad += 1
            if per_file:
                continue
            out.write(safe(f"{o.file}:{o.line}: {o.object} violates PodSecurity \"{level}:{version}\"") + "\n")
            for v in violations(o.findings, registry):
                out.write(safe(f"  {v['check']}: {v['reason']} ({'; '.join(v['details'])})") + "\n")
    if current is not None:
        verdict(current)
    errors = len(tally.errors)
    out.write(
        f"{pods - bad} of {pods} pod-bearing objects allowed at {level}:{version}"
        + (f"; {errors} error{'s' if errors != 1 else ''}" if errors else "") + "\n"
    )
