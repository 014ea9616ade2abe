"""``podwarden check``: scan manifests with every rule family."""

from __future__ import annotations

import sys

import click

from podwarden.cli import common
from podwarden.engine import Engine, Selection
from podwarden.rules.api import Level, Severity, Version
from podwarden.rules.registry import default_registry


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--level", default="restricted", show_default=True, metavar="LEVEL",
              help="Pod Security Standards level: privileged, baseline or restricted.")
@click.option("--k8s-version", default="latest", show_default=True, metavar="VERSION",
              help="Kubernetes version whose PSS rules apply: v1.N or latest.")
@click.option("--only", multiple=True, callback=common.split_list, metavar="LIST",
              help="Run only these families or rule ids (comma-separated, repeatable).")
@click.option("--skip", multiple=True, callback=common.split_list, metavar="LIST",
              help="Skip these families or rule ids (comma-separated, repeatable).")
@click.option("--min-severity", default="info", show_default=True, metavar="SEVERITY",
              help="Report findings at or above: info, low, medium, high, critical.")
@click.option("--context", "context_paths", multiple=True, metavar="PATH",
              help="Objects kept elsewhere (e.g. a cluster's ServiceAccounts), used by "
                   "cross-resource rules but not reported on.")
@click.option("-o", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
def command(
    paths: tuple[str, ...], level: str, k8s_version: str, only: frozenset[str],
    skip: frozenset[str], min_severity: str, context_paths: tuple[str, ...], fmt: str,
    output: str | None,
) -> None:
    """Scan manifests (files, directories, or - for stdin) with every rule family.

    Exit status: 0 no findings, 1 findings, 2 errors.
    """
    registry = default_registry()
    common.check_names(only, registry, "--only")
    common.check_names(skip, registry, "--skip")
    selection = Selection(
        level=common.parse(Level.parse, level, "--level"),
        version=common.parse(Version.parse, k8s_version, "--k8s-version"),
        only=only,
        skip=skip,
        min_severity=common.parse(Severity.parse, min_severity, "--min-severity"),
    )
    result = Engine(selection, registry).run(paths, context_paths, progress=common.progress())
    if fmt == "json":
        from podwarden.report import json as json_report

        common.emit(json_report.render(result), output)
    else:
        from podwarden.report import text as text_report

        colour = output is None and sys.stdout.isatty()
        common.emit(text_report.render(result, registry, colour), output)
    common.report_errors(result)
    sys.exit(result.exit_code)


command.name = "check"
