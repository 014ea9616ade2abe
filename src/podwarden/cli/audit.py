"""``podwarden audit``: audit what runs in a live cluster, read-only, and judge each
namespace's Pod Security Standards readiness."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from podwarden.cli import common
from podwarden.errors import PodwardenError
from podwarden.rules.api import Level, Severity, Version
from podwarden.rules.registry import default_registry

FORMATS = ["text", "json", "sarif", "junit", "html"]


@click.command(name="audit")
@click.option("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
@click.option("--context", "context_name", metavar="NAME", help="kubeconfig context (default: the current one).")
@click.option("--in-cluster", is_flag=True,
              help="Use the pod's service account (automatic in a pod without a kubeconfig).")
@click.option("-n", "--namespace", "namespaces", multiple=True, callback=common.split_list, metavar="LIST",
              help="Audit only these namespaces (comma-separated, repeatable; default: all).")
@click.option("--level", default="restricted", show_default=True, metavar="LEVEL",
              help="PSS level for the pss family: privileged, baseline or restricted.")
@click.option("--k8s-version", default=None, metavar="VERSION",
              help="PSS policy version, v1.N or latest (default: the cluster's version).")
@click.option("--only", multiple=True, callback=common.split_list, metavar="LIST",
              help="Run only these families or rule ids (comma-separated, repeatable).")
@click.option("--skip", multiple=True, callback=common.split_list, metavar="LIST",
              help="Skip these families or rule ids (comma-separated, repeatable).")
@click.option("--min-severity", default="info", show_default=True, metavar="SEVERITY",
              help="Report findings at or above: info, low, medium, high, critical.")
@click.option("-o", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--page-size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Objects per list request (pages follow with continue tokens).")
def command(kubeconfig: str | None, context_name: str | None, in_cluster: bool, namespaces: frozenset[str],
            level: str, k8s_version: str | None, only: frozenset[str], skip: frozenset[str],
            min_severity: str, fmt: str, output: str | None, page_size: int) -> None:
    """Audit the workloads running in a cluster (read-only) with every rule family.

    Pods owned by one workload are reported once, on the workload, with the number of
    pods affected.  Each namespace gets a readiness verdict: the highest Pod Security
    Standards level it could enforce now without rejecting a running pod.

    Exit status: 0 no findings, 1 findings, 2 errors (cluster unreachable, credentials
    refused, nothing readable).
    """
    common.tune_gc_for_batch()
    from podwarden.cluster import audit as cluster_audit
    from podwarden.cluster import readiness as cluster_readiness
    from podwarden.cluster.client import Client, load_config
    from podwarden.engine import Selection

    registry = default_registry()
    common.check_names(only, registry, "--only")
    common.check_names(skip, registry, "--skip")
    parsed_level = common.parse(Level.parse, level, "--level")
    floor = common.parse(Severity.parse, min_severity, "--min-severity")
    version = common.parse(Version.parse, k8s_version, "--k8s-version") if k8s_version else None
    try:
        config = load_config(kubeconfig, context_name, in_cluster)
        with Client(config, page_size=page_size) as client, _progress() as tick:
            snapshot = cluster_audit.collect(client, sorted(namespaces), tick)
    except PodwardenError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for warning in snapshot.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in snapshot.notes:
        click.echo(f"note: {note}", err=True)
    if version is None and k8s_version != "latest" and snapshot.server_minor:
        version = Version(snapshot.server_minor)
    selection = Selection(level=parsed_level, version=version, only=only, skip=skip, min_severity=floor)
    done = cluster_audit.audit(snapshot, selection, registry)
    verdicts = cluster_readiness.assess(snapshot, done, registry)
    newest = registry.minor(Version(snapshot.server_minor) if snapshot.server_minor else None)
    source = f"cluster {snapshot.server} (context {snapshot.context})"
    text = _render(fmt, done.result, registry, verdicts, snapshot, source, newest)
    common.emit(text, output)
    for error in done.result.errors:
        click.echo(f"error: {error}", err=True)
    sys.exit(done.result.exit_code)


def _render(fmt: str, result: Any, registry: Any, verdicts: list[Any], snapshot: Any, source: str,
            newest: int) -> str:
    from podwarden.report.tally import Tally, file_results

    tally = Tally(source="namespace")
    out = io.StringIO()
    if fmt == "html":
        from podwarden.report import html

        return html.render(result, registry, readiness=[v.as_dict() for v in verdicts],
                           title="podwarden cluster audit", source=source,
                           warnings=[*snapshot.warnings, *snapshot.notes])
    if fmt == "json":
        from podwarden.report import json as json_report

        json_report.write(file_results(result), out, tally)
        doc = json.loads(out.getvalue())
        doc["cluster"] = {"server": snapshot.server, "context": snapshot.context,
                          "version": f"v1.{snapshot.server_minor}" if snapshot.server_minor else None,
                          "namespaces": snapshot.namespaces}
        doc["readiness"] = [v.as_dict() for v in verdicts]
        doc["warnings"] = snapshot.warnings
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "sarif":
        from podwarden.report import sarif

        rules = [r for r in registry if any(f.rule_id == r.id for f in result.findings)]
        sarif.write(file_results(result), out, rules, tally)
        return out.getvalue()
    if fmt == "junit":
        from podwarden.report import junit

        junit.write(file_results(result), out, tally)
        return out.getvalue()
    from podwarden.cluster import readiness as cluster_readiness
    from podwarden.report import text as text_report

    text_report.write(file_results(result), out, registry, tally, colour=False)
    return out.getvalue() + "\n" + cluster_readiness.render_text(verdicts, newest)


@contextmanager
def _progress() -> Iterator[Callable[[str, int], None] | None]:
    """A progress bar on stderr over the resource types read, at a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    from podwarden.cluster.audit import RESOURCES

    current = [""]
    count = [0]
    bar: Any
    with click.progressbar(length=len(RESOURCES) + 1, label="reading the cluster", file=sys.stderr,
                           show_pos=False, item_show_func=lambda _: f"{current[0]} ({count[0]} objects)",
                           ) as bar:
        def tick(resource: str, items: int) -> None:
            if resource != current[0]:
                current[0] = resource
                bar.update(1)
            count[0] += items
            bar.render_progress()

        yield tick
