"""The steps of podwarden's GitHub Action (action.yml), as one script that runs anywhere:

    INPUT_PATHS="k8s/ charts/rendered.yaml" INPUT_FAIL_ON=high python3 scripts/action_check.py

1. install podwarden (``INPUT_INSTALL``: a pip requirement or path, such as the action's own
   checkout or ``podwarden==0.1.0``; ``none`` uses the ``podwarden`` already on PATH);
2. ``podwarden check ARGS -o sarif --output SARIF PATHS``: every finding, for code scanning;
3. ``podwarden check ARGS --min-severity FAIL_ON PATHS``: the findings that fail the job,
   printed in the log; podwarden's own exit status decides (suppressions and baselines
   count as they do everywhere).

Inputs (environment): INPUT_PATHS (whitespace-separated, shell quoting allowed; default
``.``), INPUT_ARGS (more options of ``check``, e.g. ``--level baseline --skip hardening``;
not ``-o``/``--output``), INPUT_FAIL_ON (info, low, medium, high, critical, or never;
default high), INPUT_SARIF_FILE (default podwarden.sarif), INPUT_INSTALL (default none).
Outputs (appended to $GITHUB_OUTPUT when set): sarif-file, findings, failed; a summary
table goes to $GITHUB_STEP_SUMMARY when set.

Exit status: 0 nothing at or above FAIL_ON, 1 findings at or above it, 2 errors (bad input,
bad options, podwarden could not be installed or could not read a file).
Standard library only: it runs before podwarden is installed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

SEVERITIES = ("info", "low", "medium", "high", "critical")
NEVER = "never"


class ActionError(Exception):
    """A problem with the inputs or the installation: exit 2 with this message."""


def _input(name: str, default: str = "") -> str:
    return os.environ.get(f"INPUT_{name.upper().replace('-', '_')}", "").strip() or default


def _emit(variable: str, lines: list[str]) -> None:
    """Append to the file GitHub names in ``variable`` (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)."""
    target = os.environ.get(variable)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)


def install(requirement: str) -> list[str]:
    """Install podwarden with this interpreter's pip; the command that runs it."""
    if requirement == "none":
        found = shutil.which("podwarden")
        if not found:
            raise ActionError("podwarden is not on PATH (install: none)")
        return [found]
    print(f"podwarden-action: pip install {requirement}", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           requirement], check=False)
    if done.returncode != 0:
        raise ActionError(f"pip install {requirement} failed (exit {done.returncode})")
    beside = Path(sys.executable).with_name("podwarden")  # the script pip just put beside python
    found = str(beside) if beside.is_file() else shutil.which("podwarden")
    if not found:
        raise ActionError(f"pip installed {requirement}, but no podwarden command came with it")
    return [found]


def sarif_counts(path: Path) -> Counter[tuple[str, str]]:
    """(severity, rule) -> results in a SARIF file podwarden wrote (suppressed ones left out)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    counts: Counter[tuple[str, str]] = Counter()
    for run in data.get("runs", []):
        for result in run.get("results", []):
            if result.get("suppressions"):
                continue
            counts[(str(result.get("properties", {}).get("severity", "unknown")), str(result.get("ruleId")))] += 1
    return counts


def main() -> int:
    paths = shlex.split(_input("paths", "."))
    args = shlex.split(_input("args"))
    fail_on = _input("fail-on", "high").lower()
    sarif = Path(_input("sarif-file", "podwarden.sarif"))
    if fail_on not in (*SEVERITIES, NEVER):
        raise ActionError(f"fail-on: {fail_on!r} is not one of {', '.join((*SEVERITIES, NEVER))}")
    if any(a in ("-o", "--output") or a.startswith(("--output=", "-o")) for a in args):
        raise ActionError("args: leave -o/--output out; the action writes SARIF to sarif-file itself")
    podwarden = install(_input("install", "none"))
    sarif.parent.mkdir(parents=True, exist_ok=True)

    command = [*podwarden, "check", *args, "-o", "sarif", "--output", str(sarif), *paths]
    print("podwarden-action: " + shlex.join(command[len(podwarden) - 1:]), flush=True)
    scan = subprocess.run(command, check=False)
    if scan.returncode not in (0, 1) or not sarif.is_file():
        raise ActionError(f"podwarden check exited {scan.returncode}: see the errors above")
    counts = sarif_counts(sarif)
    total = sum(counts.values())

    if fail_on == NEVER:
        status = 0
        print(f"podwarden-action: {total} finding(s) in {sarif}; fail-on: never")
    else:
        gate = [*podwarden, "check", *args, "--min-severity", fail_on, *paths]
        print("podwarden-action: " + shlex.join(gate[len(podwarden) - 1:]), flush=True)
        status = subprocess.run(gate, check=False).returncode
        if status not in (0, 1):
            raise ActionError(f"podwarden check exited {status}: see the errors above")
        failing = sum(n for (severity, _), n in counts.items()
                      if severity in SEVERITIES and SEVERITIES.index(severity) >= SEVERITIES.index(fail_on))
        word = "fail" if status else "pass"
        print(f"podwarden-action: {word}: {failing} finding(s) at or above {fail_on}, {total} in all ({sarif})")

    _emit("GITHUB_OUTPUT", [f"sarif-file={sarif}", f"findings={total}", f"failed={'true' if status else 'false'}"])
    table = ["### podwarden", "", f"{total} finding(s); the job fails at `{fail_on}` and above: "
             f"**{'failed' if status else 'passed'}**", ""]
    if counts:
        table += ["| severity | rule | findings |", "| --- | --- | --- |"]
        order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
        for (severity, rule), n in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
            table.append(f"| {severity} | `{rule}` | {n} |")
    _emit("GITHUB_STEP_SUMMARY", table)
    return 1 if status else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ActionError as exc:
        print(f"podwarden-action: error: {exc}", file=sys.stderr)
        _emit("GITHUB_OUTPUT", ["failed=true"])
        sys.exit(2)
