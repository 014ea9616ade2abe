"""The versioned JSON document of ``check -o json`` (schema in the README), streamed."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from typing import Any, TextIO

from podwarden.engine import FileResult, Finding, Suppressed
from podwarden.engine.results import SEVERITY_NAMES
from podwarden.model.objects import ObjectRef
from podwarden.report.score import object_score
from podwarden.report.tally import Tally

FORMAT_VERSION = 1


_string = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str
#: each rule id and file name as JSON, written once (a run has few of them, and tens of
#: thousands of findings)
_names: dict[str, str] = {}


def object_json(ref: ObjectRef) -> str:
    """``json.dumps(ref.as_dict())``, the same characters, written directly (once per
    object of a report: the encoder's generic path costs more than the writing)."""
    namespace = ref.namespace
    return (f'{{"apiVersion": {_string(ref.api_version)}, "kind": {_string(ref.kind)}, '
            f'"namespace": {"null" if namespace is None else _string(namespace)}, "name": {_string(ref.name)}}}')


def finding_json(f: Finding, object_text: str | None = None) -> str:
    """``json.dumps(f.as_dict())``, the same characters, written directly: a large scan
    has tens of thousands of findings.  ``object_text`` is ``object_json`` of its object
    when the caller has it."""
    if object_text is None:
        object_text = object_json(f.object)
    names = _names
    rule, file = names.get(f.rule_id), names.get(f.file)
    if rule is None or file is None:
        if len(names) > 4096:
            names.clear()
        rule = names[f.rule_id] = _string(f.rule_id)
        file = names[f.file] = _string(f.file)
    text = (f'{{"rule": {rule}, "severity": "{SEVERITY_NAMES[f.severity]}", '
            f'"message": {_string(f.message)}, "file": {file}, "line": {f.line}, '
            f'"column": {f.column}, "object": {object_text}, "path": {_string(f.path)}, '
            f'"fingerprint": "{f.fingerprint}"')
    if f.secret is not None:
        text += f', "secret": {_string(f.secret)}'
    if f.pods is not None:
        text += f', "pods": {f.pods}'
    if f.also:
        text += ', "also": [' + ", ".join(map(_string, f.also)) + "]"
    return text + "}"


def suppressed_dict(s: Suppressed) -> dict[str, Any]:
    return s.finding.as_dict() | {"reason": s.reason}


def closing_part(tally: Tally) -> dict[str, Any]:
    """What closes the document after the findings: errors, suppressed, skipped and the
    summary counts (``audit`` writes the same part, then its cluster's)."""
    return {
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in tally.errors],
        "suppressed": [suppressed_dict(s) for s in tally.suppressed],
        "skipped": tally.skipped,
        "summary": {
            "files": tally.files,
            "objects": tally.objects,
            "findings": tally.findings,
            "errors": len(tally.errors),
            "suppressed": len(tally.suppressed),
            "baselined": tally.baselined,
            "bySeverity": dict(sorted(tally.by_severity.items())),
            "byRule": dict(sorted(tally.by_rule.items())),
        },
    }


def write(results: Iterable[FileResult], out: TextIO, tally: Tally) -> None:
    """Findings are written as files complete; errors and the summary close the document."""
    out.write(f'{{\n  "version": {FORMAT_VERSION},\n  "findings": [')
    first = True
    radii: list[dict[str, Any]] = []
    last: ObjectRef | None = None  # findings of one object come together
    last_json = ""
    # each scored object, spooled to a temporary file: the list follows the findings
    # without being held in memory
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        spooled = 0
        for fr in tally.watch(results):
            # each object's JSON, for its entry below (by identity: the findings of an
            # object hold the very reference its entry holds)
            written: dict[int, str] = {}
            # one write per file, not per finding: an unbuffered stdout (PYTHONUNBUFFERED, as
            # container images set) makes each write a system call
            parts: list[str] = []
            for f in fr.findings:
                if f.object is not last:
                    last, last_json = f.object, object_json(f.object)
                    written[id(last)] = last_json
                parts.append(finding_json(f, last_json))
            if parts:
                out.write(("\n    " if first else ",\n    ") + ",\n    ".join(parts))
                first = False
            entries: list[str] = []
            for o in fr.objects:
                if o.pod or o.findings:
                    object_text = written.get(id(o.object)) or object_json(o.object)
                    score = tally.scores.get(id(o))
                    # json.dumps of the entry's dict, the same characters, written directly
                    entries.append(f'\n    {{"file": {_string(o.file)}, "line": {o.line}, '
                                   f'"object": {object_text}, '
                                   f'"score": {object_score(o.findings) if score is None else score}, '
                                   f'"findings": {len(o.findings)}}}')
            if entries:
                spool.write(("," if spooled else "") + ",".join(entries))
                spooled += len(entries)
            radii += [{"file": o.file, "line": o.line, "object": o.object.as_dict(), **o.blast.as_dict()}
                      for o in fr.objects if o.blast is not None]
        out.write("\n  ],\n" if not first else "],\n")
        out.write('  "objects": [')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("\n  ],\n" if spooled else "],\n")
    tail = closing_part(tally)
    tail["summary"].update({
        "score": tally.score,
        "configuration": tally.configuration,
        "worstObjects": [{"score": score, "object": name, "file": file, "line": line}
                         for score, name, file, line in tally.worst_objects()],
    })
    if radii:  # only with --blast-radius
        tail = {"blastRadius": radii, **tail}
    body = json.dumps(tail, indent=2)[1:-1].strip("\n")
    out.write(body + "\n}\n")
