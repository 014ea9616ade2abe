"""``podwarden check``: scan manifests with every rule family."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

import click

from podwarden.cli import common
from podwarden.engine import Engine, FileResult
from podwarden.report.tally import Tally
from podwarden.rules.registry import Registry, default_registry

if TYPE_CHECKING:
    from pathlib import Path

FORMATS = ["text", "json", "sarif", "junit", "html"]
BASELINE_VERSION = 1


@click.command(name="check")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@common.level_option
@click.option("--k8s-version", default="latest", show_default=True, metavar="VERSION",
              help="Kubernetes version whose PSS rules apply: v1.N or latest.")
@common.rule_list_options("Run")
@click.option("--min-severity", default="info", show_default=True, metavar="SEVERITY",
              help="Report findings at or above: info, low, medium, high, critical.")
@click.option("--context", "context_paths", multiple=True, metavar="PATH",
              help="Objects kept elsewhere (e.g. a cluster's ServiceAccounts), used by "
                   "cross-resource rules but not reported on.")
@click.option("-o", "--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--config", "config_path", type=common.FilePath(),
              help="Configuration file (default: .podwarden.yaml found upward from here).")
@click.option("--baseline", "baseline_path", type=common.FilePath(),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", "write_baseline", type=common.FilePath(),
              help="Record the current findings in FILE (by stable fingerprint) and exit 0.")
@common.jobs_option("Scan files")
@click.option("--skip-non-manifests", is_flag=True,
              help="Named files without Kubernetes objects (CI files, Helm values, unrendered "
                   "templates) are skipped with a note instead of being errors; for pre-commit.")
@click.option("--summary", "show", flag_value="summary",
              help="Text: counts by severity, rule and namespace and the worst objects, not each finding.")
@click.option("--quiet", "-q", "show", flag_value="quiet",
              help="Text: errors and the verdict line only.")
@click.option("--blast-radius", "blast", is_flag=True,
              help="Also show what an attacker who controls each workload reaches (text, json, html).")
@click.pass_context
def command(
    ctx: click.Context, paths: tuple[str, ...], level: str, k8s_version: str,
    only: frozenset[str], skip: frozenset[str], min_severity: str,
    context_paths: tuple[str, ...], fmt: str, output: str | None, config_path: Path | None,
    baseline_path: Path | None, write_baseline: Path | None, jobs: int | None, skip_non_manifests: bool,
    blast: bool, show: str | None,
) -> None:
    """Scan manifests (files, directories, or - for stdin) with every rule family.

    Exit status: 0 no findings, 1 findings, 2 errors (including input that holds no
    Kubernetes object at all, such as empty stdin from a failed `helm template`).
    """
    common.tune_gc_for_batch()
    registry = default_registry()
    configuration = common.load_configuration(config_path)
    chosen = common.selection(ctx, registry, configuration, level=level,
                              k8s_version=k8s_version, only=only, skip=skip, min_severity=min_severity)
    chosen.blast_radius = blast
    if baseline_path:
        chosen.baseline = _read_baseline(baseline_path)
    engine = Engine(chosen, registry)
    if not engine.active:
        # a gate that checks nothing must not pass
        raise common.UsageError("--only, --skip and --level (or the configuration) leave no rule to run")
    results = engine.iter_files(paths, context_paths, jobs=jobs,
                                skip_non_manifests=skip_non_manifests)
    results = _with_progress(results)
    if write_baseline:
        _write_baseline(results, write_baseline)
        return
    tally = Tally(configuration=str(configuration.path) if configuration.path else None)
    with _OpenOutput(output) as out:
        _report(fmt, results, out, registry, [a.rule for a in engine.active], tally,
                colour=output is None and sys.stdout.isatty(), mode=show or "full")
    common.report_errors_tally(tally)
    sys.exit(tally.exit_code)


def _report(fmt: str, results: Iterator[FileResult], out: TextIO, registry: Registry,
            rules: list[Any], tally: Tally, colour: bool, mode: str = "full") -> None:
    if fmt == "json":
        from podwarden.report import json as json_report

        json_report.write(results, out, tally)
    elif fmt == "sarif":
        from podwarden.report import sarif

        sarif.write(results, out, rules, tally)
    elif fmt == "junit":
        from podwarden.report import junit

        junit.write(results, out, tally)
    elif fmt == "html":
        from podwarden.report import html

        html.write(results, out, registry, tally, source="podwarden check")
    else:
        from podwarden.report import text as text_report

        text_report.write(results, out, registry, tally, colour, mode)


class _OpenOutput:
    """stdout, or FILE written atomically (a partial report never replaces a good one)."""

    def __init__(self, output: str | None) -> None:
        self.output = output if output and output != "-" else None
        self.handle: TextIO | None = None
        self.tmp = ""

    def __enter__(self) -> TextIO:
        if self.output is None:
            return sys.stdout
        if os.path.exists(self.output) and not os.path.isfile(self.output):
            # a device or pipe (/dev/null, /dev/stdout, a FIFO): write to it, never replace it
            self.handle = open(self.output, "w", encoding="utf-8")
            self.output = None
            return self.handle
        import tempfile

        folder = os.path.dirname(os.path.abspath(self.output))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".podwarden-", dir=folder)
        except OSError as exc:  # name the path the user gave, not the temporary one
            raise common.FileProblem(f"--output {self.output}: {exc.strerror or type(exc).__name__}") from None
        self.handle = os.fdopen(fd, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self.handle is None:
            return
        self.handle.close()
        if self.output is None:
            return
        if exc_type is None:
            try:
                mode = os.stat(self.output).st_mode & 0o777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(self.tmp, mode)
            os.replace(self.tmp, self.output)
        else:
            os.unlink(self.tmp)


def _read_baseline(path: Path) -> frozenset[str]:
    import json  # here, as below: most runs have no baseline

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["findings"]
        return frozenset(str(e["fingerprint"]) for e in entries)
    except OSError as exc:
        raise common.FileProblem(f"--baseline {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise common.FileProblem(f"--baseline {path}: not a podwarden baseline file") from None


def _write_baseline(results: Iterator[FileResult], path: Path) -> None:
    """Fingerprints only, with enough context to review the file; never a secret value."""
    import json

    tally = Tally()
    entries = []
    for fr in tally.watch(results):
        for f in fr.findings:
            entries.append({"fingerprint": f.fingerprint, "rule": f.rule_id, "file": f.file,
                            "object": str(f.object), "path": f.path})
    entries.sort(key=lambda e: (e["file"], e["object"], e["rule"], e["path"]))
    doc = {"version": BASELINE_VERSION, "tool": "podwarden", "findings": entries}
    with _OpenOutput(str(path)) as out:
        out.write(json.dumps(doc, indent=2) + "\n")
    click.echo(f"wrote {len(entries)} finding(s) to baseline {path}", err=True)
    common.report_errors_tally(tally)
    sys.exit(2 if tally.errors else 0)


def _with_progress(results: Iterator[FileResult]) -> Iterator[FileResult]:
    tick = common.progress()
    if tick is None:
        yield from results
        return
    n = 0
    for n, fr in enumerate(results, 1):
        tick(n)
        yield fr
    if n >= 200:
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
