"""The invariants of issue 13, checked on one :class:`Case` by running podwarden's commands
(in-process through click's CliRunner and the real console entry point, or as real
processes) and reading every output.  ``verify`` returns the problems; the tests assert
there are none, ``fuzz.py`` records each failing input as a reproducer.

Invariants (each problem is tagged with one of these ids):

- ``exit-status``: every command exits 0, 1 or 2, within the time limit (``hang`` otherwise);
- ``traceback``: no traceback, no uncaught exception;
- ``leak``: no planted credential (raw, base64, any 12-character piece) in any output:
  stdout, stderr, report and baseline files, the ``fix`` diffs (hardening and --move-secrets);
- ``error-line``: every stderr ``error:`` line reads ``error: FILE:LINE: ...`` or
  ``error: FILE: ...`` and names an input path; ``error-exit``: exit 2 if and only if there is
  such a line (for check, pss and fix);
- ``json-complete``: ``check -o json`` and ``pss -o json`` print complete, parseable JSON
  (SARIF parses as JSON, JUnit as XML), even on exit 2; ``json-errors``: each stderr error
  is in the JSON ``errors`` list and each listed error is on stderr; ``formats-agree``: every
  ``-o`` format reports the same errors and exit status;
- ``no-objects-exit``: input without any Kubernetes object exits 2 in ``pss`` as in ``check``
  (README: "Exit status everywhere");
- ``jobs-agree`` (real processes): ``check -j 2`` prints exactly what ``-j 1`` prints;
- ``fix-reparses``: what ``fix --write`` writes parses; ``fix-idempotent``: a second ``fix``
  changes nothing; ``fix-bytes``: lines outside the dry run's diff hunks (and its context
  lines) are byte-identical, encoding and line ends included; ``fix-check-agree``: a file
  ``check`` refuses is an error for ``fix`` too and is not rewritten, and a file ``check``
  accepts is still accepted after ``fix --write``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from podwarden.errors import InputError
from podwarden.load import yaml as yamlload
from tests.properties import planted
from tests.properties.strategies import Case

__all__ = ["Case", "Problem", "verify"]

TIME_LIMIT = int(os.environ.get("PODWARDEN_PROPERTY_TIME_LIMIT", "60"))  # seconds per command
PODWARDEN = str(Path(sys.executable).with_name("podwarden"))
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37"
CHECK_FORMATS = ("text", "json", "sarif", "junit")
GLOBAL_GC = gc.get_threshold()


@dataclass(frozen=True)
class Problem:
    """One broken invariant: its id, the command, and a detail safe to print."""

    invariant: str
    command: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.invariant}] podwarden {self.command}: {self.detail}"


@dataclass
class Outcome:
    """What one run of podwarden produced."""

    args: list[str]
    exit: int
    stdout: str
    stderr: str
    files: dict[str, str] = field(default_factory=dict)  # report files it wrote
    crash: str = ""  # an uncaught exception (in-process) or a timeout

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


Runner = Callable[[list[str], bytes | None, str], Outcome]


# -- running podwarden ----------------------------------------------------------------


class _Hang(BaseException):
    """Raised by the alarm: a BaseException, so that ``run()``'s catch-all cannot hide it."""


class _Entry:
    """Duck-typed as a click command for CliRunner: runs ``podwarden.cli.run``, the console
    entry point itself, so error handling is exactly the real process's."""

    name = "podwarden"

    def main(self, args: list[str], prog_name: str | None = None, **extra: Any) -> None:
        from podwarden.cli import run

        saved = sys.argv
        sys.argv = [prog_name or "podwarden", *args]
        try:
            run()
        finally:
            sys.argv = saved


def in_process(args: list[str], stdin: bytes | None, cwd: str) -> Outcome:
    """podwarden's console entry point in this process (click's CliRunner)."""

    def alarm(signum: int, frame: Any) -> None:
        raise _Hang()

    here = os.getcwd()
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    os.chdir(cwd)
    crash = ""
    try:
        result = CliRunner().invoke(_Entry(), args, input=stdin)  # type: ignore[arg-type]
    except _Hang:
        return Outcome(args, -1, "", "", crash=f"no answer within {TIME_LIMIT} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
        gc.unfreeze()  # the commands freeze the heap for batch speed; a test process lives on
        gc.set_threshold(*GLOBAL_GC)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"uncaught {type(result.exception).__name__}"
    return Outcome(args, result.exit_code, result.stdout, result.stderr, crash=crash)


def as_process(args: list[str], stdin: bytes | None, cwd: str) -> Outcome:
    """podwarden as a real process (its console script)."""
    try:
        done = subprocess.run([PODWARDEN, *args], input=stdin or b"", capture_output=True, cwd=cwd,
                              timeout=TIME_LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return Outcome(args, -1, "", "", crash=f"no answer within {TIME_LIMIT} s")
    return Outcome(args, done.returncode, done.stdout.decode(errors="replace"),
                   done.stderr.decode(errors="replace"))


# -- the checks ---------------------------------------------------------------------


class Verifier:
    """Runs the commands on one case in a temporary directory and collects problems."""

    def __init__(self, case: Case, runner: Runner, tmp: str) -> None:
        self.case = case
        self.runner = runner
        self.tmp = tmp
        self.inputs = os.path.join(tmp, "in")
        self.reports = os.path.join(tmp, "out")
        os.makedirs(self.reports)
        self.paths: list[str] = []
        for name, raw in case.files:
            path = os.path.join(self.inputs, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Path(path).write_bytes(raw)
            self.paths.append(path)
        self.real_args = list(self.paths) if case.explicit else [self.inputs]
        self.stdin = case.files[0][1] if case.stdin else None
        self.read_args = (["-", *self.paths[1:]] if case.stdin else self.real_args)
        self.problems: list[Problem] = []

    # helpers

    def short(self, text: str) -> str:
        """Paths shown relative to the case, credentials scrubbed."""
        return planted.scrub(text.replace(self.inputs + os.sep, "").replace(self.inputs, "<dir>")
                             .replace(self.reports + os.sep, "<out>/"))

    def problem(self, invariant: str, out: Outcome | list[str], detail: str) -> None:
        args = out.args if isinstance(out, Outcome) else out
        self.problems.append(Problem(invariant, self.short(" ".join(args)), self.short(detail)))

    def run(self, args: list[str], stdin: bytes | None = None, *, reports: tuple[str, ...] = ()) -> Outcome:
        out = self.runner(args, stdin, self.tmp)
        for name in reports:
            path = os.path.join(self.reports, name)
            if os.path.exists(path):
                out.files[name] = Path(path).read_text(encoding="utf-8", errors="replace")
        self.generic(out)
        return out

    def inputs_named(self, name: str) -> bool:
        return name in self.paths or name in self.real_args or name in self.read_args

    def split_error(self, line: str) -> tuple[str, int, str] | None:
        """(file, line, message) of ``error: FILE:LINE: msg`` / ``error: FILE: msg``."""
        body = line[len("error: "):]
        for name in sorted({*self.paths, *self.real_args, *self.read_args}, key=len, reverse=True):
            if body.startswith(name + ":"):
                rest = body[len(name) + 1:]
                m = re.match(r"(\d+): (\S.*)$", rest)
                if m:
                    return name, int(m.group(1)), m.group(2)
                if rest.startswith(" ") and rest.strip():
                    return name, 0, rest[1:]
        return None

    def generic(self, out: Outcome) -> None:
        """exit-status, traceback, leak and error-line: for every command."""
        if out.crash.startswith("no answer"):
            self.problem("hang", out, out.crash)
            return
        if out.crash:
            self.problem("traceback", out, out.crash)
        if out.exit not in (0, 1, 2):
            self.problem("exit-status", out, f"exit status {out.exit}")
        if "Traceback (most recent call last)" in out.stderr + out.stdout:
            self.problem("traceback", out, "a traceback in the output")
        for where, text in (("stdout", out.stdout), ("stderr", out.stderr), *out.files.items()):
            diff = out.args[0] == "fix" and where == "stdout"
            for leak in planted.leaks(text, planted.CONTEXT_FREE if diff else None):
                self.problem("leak", out, f"{where}: {leak}")
        lines = out.stderr.splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.startswith("error:") and lines[i + 1][:1] in (" ", "\t"):
                self.problem("error-line", out, f"an error message continues on the next line: {lines[i + 1][:80]!r}")
        for line in out.error_lines:
            if self.split_error(line) is None:
                self.problem("error-line", out, f"not `error: FILE[:LINE]: ...` naming an input: {line[:200]!r}")
        if out.args[0] in ("check", "pss", "fix") and out.exit in (0, 1, 2) and not out.crash \
                and "--write-baseline" not in out.args:
            if out.exit == 2 and not out.error_lines:
                self.problem("error-exit", out, "exit status 2 without an error line on stderr")
            if out.error_lines and out.exit != 2:
                self.problem("error-exit", out, f"{len(out.error_lines)} error line(s) but exit status {out.exit}")

    def errors_of(self, out: Outcome) -> set[tuple[str, int, str]]:
        return {e for e in map(self.split_error, out.error_lines) if e is not None}

    # the commands

    def check_reports(self, all_outputs: bool = True) -> dict[str, Outcome]:
        outs: dict[str, Outcome] = {}
        for fmt in CHECK_FORMATS:
            outs[fmt] = self.run(["check", "-o", fmt, *self.read_args], self.stdin)
        if all_outputs:
            outs["html"] = self.run(["check", "-o", "html", "--output", os.path.join(self.reports, "r.html"),
                                     *self.read_args], self.stdin, reports=("r.html",))
            self.run(["check", "--write-baseline", os.path.join(self.reports, "baseline.json"),
                      *self.read_args], self.stdin, reports=("baseline.json",))
        js = outs["json"]
        doc = self.parse_json(js, ("version", "findings", "errors", "suppressed", "skipped", "summary"))
        if doc is not None:
            listed = {(str(e.get("file")), int(e.get("line") or 0), str(e.get("message")))
                      for e in doc["errors"] if isinstance(e, dict)}
            stderr = self.errors_of(js)
            for e in sorted(stderr - listed):
                self.problem("json-errors", js, f"stderr error not in the JSON errors list: {e[0]}:{e[1]}: {e[2][:160]}")
            for e in sorted(listed - stderr):
                self.problem("json-errors", js, f"JSON error not on stderr: {e[0]}:{e[1]}: {e[2][:160]}")
            if len(js.error_lines) > len(stderr):
                self.problem("json-errors", js, f"{len(js.error_lines) - len(stderr)} stderr error line(s) "
                                                "without a file cannot be in the JSON errors list")
            summary = doc["summary"]
            if not isinstance(summary, dict) or summary.get("errors") != len(doc["errors"]):
                self.problem("json-complete", js, "summary.errors differs from the errors list")
        sarif = outs["sarif"]
        if sarif.exit in (0, 1, 2) and not sarif.crash:
            self.parse_json(sarif, ("version", "runs"))
        junit = outs["junit"]
        if junit.exit in (0, 1, 2) and not junit.crash:
            try:
                ET.fromstring(junit.stdout)
            except ET.ParseError as exc:
                self.problem("json-complete", junit, f"JUnit XML does not parse: {exc}")
        base = outs["text"]
        for fmt, out in outs.items():
            if (out.exit, sorted(out.error_lines)) != (base.exit, sorted(base.error_lines)):
                self.problem("formats-agree", out, f"-o {fmt}: exit {out.exit} with {len(out.error_lines)} "
                                                   f"error line(s); -o text: exit {base.exit} with "
                                                   f"{len(base.error_lines)}")
        return outs

    def parse_json(self, out: Outcome, keys: tuple[str, ...]) -> dict[str, Any] | None:
        if out.crash or out.exit not in (0, 1, 2):
            return None
        try:
            doc = json.loads(out.stdout)
        except ValueError as exc:
            self.problem("json-complete", out, f"stdout is not JSON ({exc.__class__.__name__} at "
                                               f"{getattr(exc, 'pos', '?')} of {len(out.stdout)} chars)")
            return None
        missing = [k for k in keys if not isinstance(doc, dict) or k not in doc]
        if missing:
            self.problem("json-complete", out, f"JSON lacks {missing}")
            return None
        assert isinstance(doc, dict)
        return doc

    def pss(self, check_json: Outcome) -> None:
        self.run(["pss", *self.read_args], self.stdin)
        out = self.run(["pss", "-o", "json", *self.read_args], self.stdin)
        try:
            summary = json.loads(check_json.stdout)["summary"]
        except (ValueError, KeyError, TypeError):
            summary = None
        if check_json.exit == 2 and isinstance(summary, dict) and summary.get("objects") == 0 \
                and summary.get("errors") == 0 and out.exit != 2:
            self.problem("no-objects-exit", out, f"exit status {out.exit}; check exits 2 on this input, "
                                                 "which holds no Kubernetes object (README: exit 2 everywhere)")
        doc = self.parse_json(out, ("level", "version", "objects", "errors"))
        if doc is not None:
            listed = {str(e) for e in doc["errors"]}
            shown = {line[len("error: "):] for line in out.error_lines}
            for e in sorted(shown - listed):
                self.problem("json-errors", out, f"stderr error not in the JSON errors list: {e[:160]}")
            for e in sorted(listed - shown):
                self.problem("json-errors", out, f"JSON error not on stderr: {e[:160]}")

    def fix(self, check_json: Outcome) -> None:
        dry = self.run(["fix", *self.read_args], self.stdin)
        self.run(["fix", "--move-secrets", "--keyvault", "kv-shop-prod", "--tenant-id", TENANT,
                  "--client-id", CLIENT, *self.real_args])
        if self.stdin is not None:  # the diff named ``-``: read the same files again by name
            dry = self.run(["fix", *self.real_args])
            check_json = self.run(["check", "-o", "json", *self.real_args])
        before = {path: Path(path).read_bytes() for path in self.paths}
        wrote = self.run(["fix", "--write", *self.real_args])
        after = {path: Path(path).read_bytes() for path in self.paths}
        changed = [p for p in self.paths if before[p] != after[p]]
        refused = {e[0] for e in self.errors_of(check_json)}
        fix_errors = {e[0] for e in self.errors_of(dry)}
        for path in sorted(refused):
            if path in self.paths and path not in fix_errors:
                self.problem("fix-check-agree", dry, f"check refuses {self.short(path)}, fix reports no error for it")
            if path in changed:
                self.problem("fix-check-agree", wrote, f"fix --write rewrote {self.short(path)}, which check refuses")
        if wrote.exit == 2 and not changed:
            pass
        diffs = split_diff(dry.stdout)
        for path in changed:
            self.fixed_file(path, before[path], after[path], diffs.get(path), wrote)
        if not changed:
            return
        again = self.run(["fix", *self.real_args])
        if again.stdout.strip():
            names = sorted(split_diff(again.stdout))
            self.problem("fix-idempotent", again, f"a second fix still changes {[self.short(n) for n in names]}")
        later = self.run(["check", "-o", "json", *self.real_args])
        newly = {e[0] for e in self.errors_of(later)} - refused
        for path in sorted(newly & set(changed)):
            self.problem("fix-check-agree", later, f"check accepted {self.short(path)} before fix --write "
                                                   "and refuses it after")

    def fixed_file(self, path: str, old: bytes, new: bytes, diff: list[Hunk] | None, wrote: Outcome) -> None:
        name = self.short(path)
        try:
            old_text = yamlload.decode(old, path)
        except InputError:
            self.problem("fix-check-agree", wrote, f"fix --write rewrote {name}, which is not readable text")
            return
        try:
            new_text = yamlload.decode(new, path)
            yamlload.parse(new_text, path)
        except InputError as exc:
            self.problem("fix-reparses", wrote, f"{name} as written does not parse: {exc.message[:160]}")
            return
        if _bom(old) != _bom(new):
            self.problem("fix-bytes", wrote, f"{name}: byte-order mark/encoding changed "
                                             f"({_bom(old)!r} -> {_bom(new)!r})")
        if diff is None:
            self.problem("fix-bytes", wrote, f"{name} was rewritten but the dry run showed no diff for it")
            return
        for trouble in outside_hunks(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), diff):
            self.problem("fix-bytes", wrote, f"{name}: {trouble}")


def _bom(raw: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff"):
        if raw.startswith(bom):
            return bom
    return b""


# -- diffs ---------------------------------------------------------------------------


@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    kinds: str  # one of ' ', '-', '+' per body line


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def split_diff(text: str) -> dict[str, list[Hunk]]:
    """The hunks of each file of a unified diff (``--- PATH`` / ``+++ PATH``)."""
    files: dict[str, list[Hunk]] = {}
    current: list[Hunk] | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            current = files.setdefault(lines[i + 1][4:].rstrip("\t"), [])
            i += 2
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            current.append(Hunk(int(m.group(1)), int(m.group(2) or 1), int(m.group(3)), int(m.group(4) or 1), ""))
        elif current and line[:1] in (" ", "-", "+"):
            current[-1].kinds += line[0]
        elif current and line == "":
            current[-1].kinds += " "  # a context line that was only a line break
        i += 1
    return files


def outside_hunks(old: list[str], new: list[str], hunks: list[Hunk]) -> Iterator[str]:
    """Lines not removed or added by a hunk must be identical in ``old`` and ``new``."""
    a = b = 0
    for h in hunks:
        if h.kinds.count(" ") + h.kinds.count("-") != h.old_len or h.kinds.count(" ") + h.kinds.count("+") != h.new_len:
            yield f"the dry-run diff hunk @@ -{h.old_start},{h.old_len} is malformed"
            return
        start_a = h.old_start - 1 if h.old_len else h.old_start
        start_b = h.new_start - 1 if h.new_len else h.new_start
        if start_a - a != start_b - b:
            yield f"lines {a + 1}-{start_a} outside the diff moved"
            return
        for k in range(start_a - a):
            if old[a + k] != new[b + k]:
                yield f"line {a + k + 1} changed outside the diff"
                return
        a, b = start_a, start_b
        for kind in h.kinds:
            if kind == " ":
                if a >= len(old) or b >= len(new) or old[a] != new[b]:
                    yield f"context line {a + 1} of the diff differs in the written file"
                    return
                a += 1
                b += 1
            elif kind == "-":
                a += 1
            else:
                b += 1
    if old[a:] != new[b:]:
        yield f"lines after {a} differ from the file as written"


# -- entry points ----------------------------------------------------------------------


def verify(case: Case, runner: Runner = in_process, *, commands: str = "all") -> list[Problem]:
    """Every invariant on ``case``.  ``commands``: ``all``; ``read``: check in the four
    formats, pss and a fix dry run (for real processes, which cost 0.3 s each);
    ``process``: ``read``, fix --write and ``check -j 2``."""
    with tempfile.TemporaryDirectory(prefix="podwarden-prop-") as tmp:
        v = Verifier(case, runner, tmp)
        outs = v.check_reports(all_outputs=commands == "all")
        if commands == "all":
            v.pss(outs["json"])
        else:
            v.run(["pss", "-o", "json", *v.read_args], v.stdin)
        if commands == "process":
            parallel = v.run(["check", "-j", "2", "-o", "json", *v.read_args], v.stdin)
            serial = outs["json"]
            if (parallel.exit, parallel.stdout) != (serial.exit, serial.stdout):
                v.problem("jobs-agree", parallel, f"exit {parallel.exit} and {len(parallel.stdout)} chars of "
                                                  f"JSON; -j 1: exit {serial.exit}, {len(serial.stdout)} chars")
        if commands == "read":
            v.run(["fix", *v.read_args], v.stdin)
        else:
            v.fix(outs["json"])
        return v.problems


def failure_dir() -> Path:
    """Where reproducers go: $PODWARDEN_FUZZ_DIR, else a folder in the temporary directory."""
    return Path(os.environ.get("PODWARDEN_FUZZ_DIR") or os.path.join(tempfile.gettempdir(), "podwarden-fuzz-failures"))


def save_reproducer(case: Case, problems: list[Problem], where: Path | None = None) -> Path:
    """The case's files, with the commands and problems, in ``<dir>/<invariants>-<hash>/``."""
    digest = hashlib.sha256(b"".join(n.encode() + b"\0" + raw for n, raw in case.files)).hexdigest()[:12]
    kinds = "+".join(sorted({p.invariant for p in problems}))
    folder = (where or failure_dir()) / f"{kinds}-{digest}"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "in").mkdir(parents=True)
    for name, raw in case.files:
        (folder / "in" / name).write_bytes(raw)
    meta = {"origin": list(case.origin), "stdin": case.stdin, "explicit": case.explicit,
            "files": [n for n, _ in case.files], "problems": [str(p) for p in problems]}
    (folder / "case.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (folder / "README.txt").write_text(
        "A podwarden property failure (planted credentials in in/ are fake).\n"
        "Replay: .venv/bin/python tests/properties/fuzz.py --replay " + str(folder) + "\n"
        "Problems:\n" + "".join(f"  {p}\n" for p in problems), encoding="utf-8")
    return folder


def load_reproducer(folder: Path) -> Case:
    meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    files = tuple((n, (folder / "in" / n).read_bytes()) for n in meta["files"])
    return Case(files, tuple(meta["origin"]), stdin=meta["stdin"], explicit=meta["explicit"])


#: called with each failing case; the tests raise, ``fuzz.py`` records and goes on
def _raise(case: Case, problems: list[Problem]) -> None:
    folder = save_reproducer(case, problems)
    shown = "\n  ".join(str(p) for p in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    raise AssertionError(f"{len(problems)} broken invariant(s) on {case!r}:\n  {shown}{more}\n"
                         f"reproducer: {folder}")


on_failure: Callable[[Case, list[Problem]], None] = _raise


def settle(case: Case, problems: list[Problem]) -> None:
    if problems:
        on_failure(case, problems)


@contextmanager
def recording(handler: Callable[[Case, list[Problem]], None]) -> Iterator[None]:
    global on_failure
    saved = on_failure
    on_failure = handler
    try:
        yield
    finally:
        on_failure = saved
