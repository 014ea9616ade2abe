"""The versioned JSON document of ``check -o json`` (schema in the README), streamed."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from typing import Any, TextIO

from podwarden.engine import FileResult, Suppressed
from podwarden.report.score import object_score
from podwarden.report.tally import Tally

FORMAT_VERSION = 1


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
    # each scored object, spooled to a temporary file: the list follows the findings
    # without being held in memory
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        spooled = 0
        for fr in tally.watch(results):
            for f in fr.findings:
                out.write(("\n    " if first else ",\n    ") + json.dumps(f.as_dict()))
                first = False
            for o in fr.objects:
                if o.pod or o.findings:
                    entry = {"file": o.file, "line": o.line, "object": o.object.as_dict(),
                             "score": object_score(o.findings), "findings": len(o.findings)}
                    spool.write(("\n    " if not spooled else ",\n    ") + json.dumps(entry))
                    spooled += 1
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
