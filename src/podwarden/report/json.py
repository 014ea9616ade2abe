"""The versioned JSON document of ``check -o json`` (schema in the README)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from podwarden.engine import Result

FORMAT_VERSION = 1


def document(result: Result) -> dict[str, Any]:
    """The report as plain data."""
    by_sev = Counter(str(f.severity) for f in result.findings)
    by_rule = Counter(f.rule_id for f in result.findings)
    return {
        "version": FORMAT_VERSION,
        "findings": [f.as_dict() for f in result.findings],
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in result.errors],
        "skipped": result.skipped,
        "summary": {
            "files": result.files,
            "objects": len(result.objects),
            "findings": len(result.findings),
            "errors": len(result.errors),
            "bySeverity": dict(sorted(by_sev.items())),
            "byRule": dict(sorted(by_rule.items())),
        },
    }


def render(result: Result) -> str:
    return json.dumps(document(result), indent=2) + "\n"
