"""``podwarden pss``: Pod Security Standards verdicts, as Pod Security Admission gives them."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

import click

from podwarden.cli import common
from podwarden.engine import Engine, FileResult, Selection
from podwarden.report.tally import Tally
from podwarden.rules.api import Level, Version
from podwarden.rules.registry import default_registry


@click.command(name="pss")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--level", default="restricted", show_default=True, metavar="LEVEL",
              help="privileged, baseline or restricted.")
@click.option("--version", "--k8s-version", "version_text", default="latest", show_default=True, metavar="VERSION",
              help="v1.N or latest; a version newer than podwarden knows means the newest it knows.")
@click.option("--per-file", is_flag=True, help="One verdict per file read.")
@click.option("-o", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common.jobs_option("Read files")
@click.option("--skip-non-manifests", is_flag=True,
              help="Named files without Kubernetes objects (CI files, Helm values, unrendered "
                   "templates) are skipped instead of being errors; for pre-commit.")
def command(
    paths: tuple[str, ...], level: str, version_text: str, per_file: bool, fmt: str, jobs: int | None,
    skip_non_manifests: bool,
) -> None:
    """Evaluate the Pod Security Standards exactly as Pod Security Admission does.

    Exit 0 when every pod-bearing object satisfies the level, 1 when any violates, 2 on error.
    """
    common.tune_gc_for_batch()
    from podwarden.report import pss as pss_report

    registry = default_registry()
    parsed_level = common.parse(Level.parse, level, "--level")
    version = common.parse(Version.parse, version_text, "--version")
    # the credentials family runs too, unreported: what it finds is hidden in PSS messages
    # that quote a field (a key pasted as a capability or sysctl name), as ``check`` hides it
    selection = Selection(level=parsed_level, version=version, only=frozenset({"pss", "credentials"}))
    results = _pss_findings_only(Engine(selection, registry).iter_files(
        paths, jobs=jobs, skip_non_manifests=skip_non_manifests))
    shown = str(Version(registry.minor(version))) if version else "latest"
    tally = Tally()
    out = sys.stdout
    if fmt == "json":
        pss_report.write_json(results, out, tally, registry, str(parsed_level), shown, per_file)
    else:
        pss_report.write_text(results, out, tally, registry, str(parsed_level), shown, per_file)
    out.flush()
    common.report_errors_tally(tally)
    sys.exit(tally.exit_code)


def _pss_findings_only(results: Iterable[FileResult]) -> Iterator[FileResult]:
    """Each result with the findings of the pss family alone."""
    for fr in results:
        fr.findings = [f for f in fr.findings if f.rule_id.startswith("pss/")]
        for o in fr.objects:
            o.findings = [f for f in o.findings if f.rule_id.startswith("pss/")]
        fr.suppressed = [s for s in fr.suppressed if s.finding.rule_id.startswith("pss/")]
        yield fr
