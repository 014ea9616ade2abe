"""SARIF 2.1.0 for code-scanning services (GitHub code scanning and others), streamed.

Rule metadata (title, description, help, severity) comes from the rule modules; every
result carries a file/line region and a stable partial fingerprint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from podwarden import __version__
from podwarden.engine import FileResult, Finding
from podwarden.engine.results import SEVERITY_NAMES
from podwarden.report.score import object_score
from podwarden.report.tally import Tally
from podwarden.rules.api import Rule, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub reads ``security-severity`` (0-10) to rank security alerts
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _plain(markdown: str) -> str:
    return re.sub(r"`([^`]*)`", r"\1", " ".join(markdown.split()))


def rule_descriptor(r: Rule) -> dict[str, Any]:
    """One ``reportingDescriptor`` from a rule's declaration and docs."""
    help_md = f"**Why.** {r.section('Why')}\n\n**Fix.** {r.section('Fix')}"
    return {
        "id": r.id,
        "name": "".join(part.capitalize() for part in re.split(r"[-/]", r.id)),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": _plain(r.section("What it checks"))},
        "help": {"text": _plain(f"Why: {r.section('Why')} Fix: {r.section('Fix')}"), "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {
            "tags": ["security", "kubernetes", r.family],
            "security-severity": _SECURITY_SEVERITY[r.severity],
            "precision": "high",
        },
    }


def artifact_uri(path: str) -> str:
    if path == "-":
        return "stdin"
    return path[2:] if path.startswith("./") else path


def result_dict(f: Finding, index: int, score: int | None = None) -> dict[str, Any]:
    name = str(f.object)
    props: dict[str, Any] = {
        "severity": SEVERITY_NAMES[f.severity],
        "object": f.object.as_dict(),
        "path": f.path,
    }
    if f.secret:
        props["secret"] = f.secret
    if f.also:
        props["also"] = list(f.also)
    if score is not None:
        props["objectScore"] = score
    return {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{name}: {f.message}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(f.file)},
                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
            },
            "logicalLocations": [{"name": name, "kind": "object", "fullyQualifiedName": f"{name}/{f.path}"}],
        }],
        "partialFingerprints": {"podwarden/v1": f.fingerprint},
        "properties": props,
    }


def around_results(rules: Sequence[Rule]) -> tuple[str, str]:
    """The log's text before and after its one run's ``results`` array (streamed between)."""
    head = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "podwarden",
                "version": __version__,
                "informationUri": "https://github.com/podwarden/podwarden",
                "rules": [rule_descriptor(r) for r in rules],
            }},
            "results": "@RESULTS@",
        }],
    }
    before, after = json.dumps(head, indent=2).split('"@RESULTS@"')
    return before, after


def invocation(tally: Tally) -> dict[str, Any]:
    """The run's invocation: whether it succeeded, and each error as a notification."""
    return {
        "executionSuccessful": not tally.errors,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": e.message},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(e.file)},
                                                 "region": {"startLine": max(e.line, 1)}}}]}
            for e in tally.errors
        ],
    }


def write(results: Iterable[FileResult], out: TextIO, rules: Sequence[Rule], tally: Tally) -> None:
    """The whole log: one run, every selected rule, results as files complete."""
    index = {r.id: i for i, r in enumerate(rules)}
    before, after = around_results(rules)
    out.write(before + "[")
    first = True
    for fr in tally.watch(results):
        scores: dict[int, int] = {}
        for o in fr.objects:
            if o.findings:
                score = tally.scores.get(id(o))
                score = object_score(o.findings) if score is None else score
                scores.update((id(f), score) for f in o.findings)
        # one write per file, not per finding: an unbuffered stdout (PYTHONUNBUFFERED, as
        # container images set) makes each write a system call
        parts = [json.dumps(result_dict(f, index.get(f.rule_id, -1), scores.get(id(f)))) for f in fr.findings]
        if parts:
            out.write(("\n" if first else ",\n") + ",\n".join(parts))
            first = False
    out.write("]" if first else "\n]")
    # "results" is the run's last key: the invocation (which needs the errors) follows it
    run_properties: dict[str, Any] = {"score": tally.score} if tally.score is not None else {}
    if tally.configuration:
        run_properties["configuration"] = tally.configuration
    out.write(',\n      "invocations": ' + json.dumps([invocation(tally)])
              + (',\n      "properties": ' + json.dumps(run_properties) if run_properties else "")
              + after + "\n")
