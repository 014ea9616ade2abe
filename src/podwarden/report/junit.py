"""JUnit XML for CI systems: a test suite per file, a test case per object with one failure
listing that object's findings (JUnit readers show one failure per case), an error per input
problem."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from podwarden.engine import FileResult
from podwarden.report.tally import Tally

#: characters XML 1.0 cannot carry, even escaped
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    return _escape(_ILLEGAL.sub("\ufffd", text))


def quoteattr(text: str) -> str:
    return _quoteattr(_ILLEGAL.sub("\ufffd", text))


def write(results: Iterable[FileResult], out: TextIO, tally: Tally) -> None:
    """Stream the XML: each file's suite is written when the file completes."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="podwarden">\n')
    for fr in tally.watch(results):
        # a file's suite in one write: an unbuffered stdout makes each write a system call
        chunks: list[str] = []
        put = chunks.append
        failures = sum(1 for o in fr.objects if o.findings)
        tests = len(fr.objects) + len(fr.errors)
        put(
            f"  <testsuite name={quoteattr(fr.path)} tests=\"{tests}\" failures=\"{failures}\" "
            f"errors=\"{len(fr.errors)}\" skipped=\"{1 if fr.skipped else 0}\">\n"
        )
        for o in fr.objects:
            name = quoteattr(str(o.object))
            put(f"    <testcase classname={quoteattr(fr.path)} name={name}")
            if not o.findings:
                put("/>\n")
                continue
            worst = max(o.findings, key=lambda f: f.severity)
            rules = list(dict.fromkeys(f.rule_id for f in o.findings))
            count = f"{len(o.findings)} finding{'s' if len(o.findings) != 1 else ''}"
            blocks = []
            for f in o.findings:
                where = f"{f.file}:{f.line}:{f.column}" if f.line else f.file
                block = f"[{f.severity}] {f.rule_id} at {where} {f.path}\n  {f.message}"
                if f.secret:
                    block += f"\n  secret fingerprint: {f.secret}"
                blocks.append(block)
            message = f"[{worst.severity}] {count}: " + ", ".join(rules)
            body = "\n".join(blocks)
            put(
                f">\n      <failure type={quoteattr(worst.rule_id)} message={quoteattr(message)}>"
                f"{escape(body)}</failure>\n    </testcase>\n"
            )
        for e in fr.errors:
            put(
                f"    <testcase classname={quoteattr(fr.path)} name={quoteattr(f'line {e.line}')}>\n"
                f"      <error message={quoteattr(e.message)}>{escape(str(e))}</error>\n"
                f"    </testcase>\n"
            )
        if fr.skipped:
            put(f"    <testcase classname={quoteattr(fr.path)} name=\"not a Kubernetes manifest\">"
                "<skipped/></testcase>\n")
        put("  </testsuite>\n")
        out.write("".join(chunks))
    out.write("</testsuites>\n")
