"""``podwarden audit``: audit what runs in one or more live clusters, read-only, and judge
each namespace's Pod Security Standards readiness."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

import click

from podwarden.cli import common
from podwarden.errors import PodwardenError
from podwarden.rules.api import Level, Severity, Version
from podwarden.rules.registry import default_registry

if TYPE_CHECKING:
    from podwarden.cluster.audit import Progress, Snapshot
    from podwarden.cluster.report import ClusterPart, Parts

FORMATS = ["text", "json", "sarif", "junit", "html"]


@click.command(name="audit")
@click.option("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
@click.option("--context", "contexts", multiple=True, metavar="NAME",
              help="kubeconfig context (default: the current one); repeat it to audit several clusters.")
@click.option("--all-contexts", is_flag=True, help="Audit the cluster of every kubeconfig context, in turn.")
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
@click.option("--output", metavar="FILE", help="Write the report to FILE (atomically) instead of stdout.")
@click.option("--blast-radius", "blast", is_flag=True,
              help="Show what an attacker controlling each workload reaches (host, Kubernetes API through its "
                   "service account, Secrets and Key Vault, Azure identity): text and JSON (blastRadius).")
@click.option("--page-size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Objects per list request (pages follow with continue tokens).")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=8, show_default=True,
              help="Lists read at the same time (resource types, or namespaces when RBAC forbids "
                   "listing cluster-wide).")
@click.option("--request-timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              metavar="SECONDS", help="Time for one attempt of a request, its whole answer included.")
@click.option("--request-deadline", type=click.FloatRange(min=0), default=120.0, show_default=True,
              metavar="SECONDS", help="A failing request (429, 5xx, dropped, cut short, timed out) is "
                                      "retried until this long after its first attempt.")
@click.option("--deadline", type=click.FloatRange(min=0), default=900.0, show_default=True, metavar="SECONDS",
              help="No retry starts later than this after the audit of a cluster started.")
def command(kubeconfig: str | None, contexts: tuple[str, ...], all_contexts: bool, in_cluster: bool,
            namespaces: frozenset[str], level: str, k8s_version: str | None, only: frozenset[str],
            skip: frozenset[str], min_severity: str, fmt: str, output: str | None, blast: bool, page_size: int,
            concurrency: int, request_timeout: float, request_deadline: float, deadline: float) -> None:
    """Audit the workloads running in a cluster (read-only) with every rule family.

    Pods owned by one workload are reported once, on the workload, with the number of
    pods affected.  Each namespace gets a readiness verdict: the highest Pod Security
    Standards level it could enforce now without rejecting a running pod.

    Exit status: 0 no findings, 1 findings, 2 errors (cluster unreachable, credentials
    refused, nothing readable, a namespace that could not be read even after retries).
    """
    common.tune_gc_for_batch()
    from podwarden.cluster import audit as cluster_audit
    from podwarden.cluster import report as cluster_report
    from podwarden.cluster.client import Client, RetryPolicy, context_names, load_config
    from podwarden.engine import Selection
    from podwarden.report.tally import Tally

    registry = default_registry()
    common.check_names(only, registry, "--only")
    common.check_names(skip, registry, "--skip")
    parsed_level = common.parse(Level.parse, level, "--level")
    floor = common.parse(Severity.parse, min_severity, "--min-severity")
    version = common.parse(Version.parse, k8s_version, "--k8s-version") if k8s_version else None
    if in_cluster and (contexts or all_contexts):
        raise common.UsageError("--in-cluster audits the pod's own cluster: no --context or --all-contexts")
    policy = RetryPolicy(request_timeout=request_timeout, request_deadline=request_deadline, deadline=deadline)
    snapshots: list[Snapshot] = []
    try:
        chosen: list[str | None] = list(dict.fromkeys(contexts)) or [None]
        if all_contexts:
            chosen = list(dict.fromkeys([*contexts, *context_names(kubeconfig)]))
        with _progress() as progress:
            for context in chosen:
                config = load_config(kubeconfig, context, in_cluster)
                if progress is not None:
                    progress.context = config.context_name
                with Client(config, page_size=page_size, policy=policy) as client:
                    snapshot = cluster_audit.collect(client, sorted(namespaces), progress, concurrency,
                                                     _context_namespace(config))
                    snapshots.append(snapshot)
                    retried = client.retries.summary()
                    if retried:
                        snapshot.warnings.append(retried)
    except PodwardenError as exc:
        for snapshot in snapshots:
            snapshot.close()
        common.say(f"error: {exc}")
        sys.exit(2)
    multi = len(snapshots) > 1
    for snapshot in snapshots:
        where = f"{snapshot.context}: " if multi else ""
        for warning in snapshot.warnings:
            common.say(f"warning: {where}{warning}")
        for note in snapshot.notes:
            common.say(f"note: {where}{note}")

    clusters: list[ClusterPart] = []
    for snapshot in snapshots:
        clusters.append(cluster_report.ClusterPart(
            snapshot.server, snapshot.context, snapshot.server_minor,
            cluster_audit.newest_minor(snapshot, registry), snapshot.namespaces,
            snapshot.warnings, snapshot.notes))

    def parts(progress: Progress | None) -> Parts:
        for snapshot, cluster in zip(snapshots, clusters, strict=True):
            cluster_version = version
            if cluster_version is None and k8s_version != "latest" and snapshot.server_minor:
                cluster_version = Version(snapshot.server_minor)
            selection = Selection(level=parsed_level, version=cluster_version, only=only, skip=skip,
                                  min_severity=floor, blast_radius=blast)
            if progress is not None:
                progress.context = snapshot.context
                progress.namespaces, progress.namespaces_done, progress.pods_evaluated = len(snapshot.order), 0, 0
            try:
                for done in cluster_audit.evaluate(snapshot, selection, registry, progress):
                    if done.readiness is not None:
                        cluster.readiness.append(done.readiness)
                    if done.result is not None:
                        yield cluster, done.result
            finally:
                snapshot.close()

    tally = Tally(source="namespace")
    with _progress(evaluating=True) as progress, _destination(output) as out:
        cluster_report.write(fmt, parts(progress), clusters, out, registry, tally, multi)
    for error in tally.errors:
        common.say(f"error: {error}")
    sys.exit(tally.exit_code)


def _context_namespace(config: Any) -> str | None:
    """The kubeconfig context's namespace, when it names one (tried when nothing else does)."""
    try:
        namespace = config.context.namespace
    except AttributeError:
        return None
    return namespace if isinstance(namespace, str) and namespace else None


@contextmanager
def _destination(output: str | None) -> Iterator[TextIO]:
    """stdout, written as namespaces complete; or FILE, replaced whole only when complete."""
    if not output or output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(output))
    fd, temporary = tempfile.mkstemp(prefix=".podwarden-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(temporary, output)
    except BaseException:
        os.unlink(temporary)
        raise


def _is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _progress(evaluating: bool = False) -> Iterator[Progress | None]:
    """A progress line on stderr at a terminal (lists read, namespaces and pods evaluated),
    redrawn at most ten times a second and cleared at the end; nothing otherwise."""
    if not _is_terminal():
        yield None
        return
    from podwarden.cluster.audit import Progress

    last = [0.0]
    width = [0]

    def show(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < 0.1:
            return
        last[0] = now
        line = progress_line(p, evaluating)
        width[0] = max(width[0], len(line))
        click.echo(f"\r{line:<{width[0]}}", err=True, nl=False)

    yield Progress(show)
    if width[0]:
        click.echo("\r" + " " * width[0] + "\r", err=True, nl=False)


def progress_line(p: Progress, evaluating: bool) -> str:
    """``CONTEXT: listed 1,200 pods, 3,400 other objects`` or ``... evaluated 12/300 namespaces, 5,000 pods``."""
    head = f"{p.context}: " if p.context else ""
    if evaluating:
        return f"{head}evaluated {p.namespaces_done:,}/{p.namespaces:,} namespaces, {p.pods_evaluated:,} pods"
    pods = p.listed.get("pods", 0)
    others = sum(p.listed.values()) - pods
    return f"{head}listed {pods:,} pods, {others:,} other objects"
