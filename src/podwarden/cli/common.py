"""Helpers every command shares: list options, value parsing, output, error lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from podwarden.engine import Result
from podwarden.report.tally import Tally
from podwarden.rules.registry import Registry


class UsageError(click.UsageError):
    """Bad options: exit status 2, as click gives."""


def split_list(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> frozenset[str]:
    """List options take comma-separated values and may be repeated."""
    return frozenset(item.strip() for value in values for item in value.split(",") if item.strip())


def check_names(names: frozenset[str], registry: Registry, option: str) -> None:
    """Refuse unknown families or rule ids in --only / --skip."""
    known = set(registry.rules) | set(registry.families)
    unknown = sorted(n for n in names if n not in known)
    if unknown:
        raise UsageError(
            f"{option}: unknown rule or family {', '.join(unknown)} "
            f"(families: {', '.join(registry.families)}; `podwarden rules` lists the rules)"
        )


def parse(kind: Callable[[str], Any], value: str, option: str) -> Any:
    """Parse an option value, turning ValueError into a usage error."""
    try:
        return kind(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def emit(text: str, output: str | None) -> None:
    """Write a report to FILE, or to stdout when none (or ``-``) is given."""
    if output and output != "-":
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def report_errors(result: Result) -> None:
    """Errors as one line each on stderr, and a note for skipped files."""
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if result.skipped:
        click.echo(
            f"note: skipped {len(result.skipped)} file(s) without Kubernetes objects "
            f"(e.g. {result.skipped[0]})",
            err=True,
        )


def report_errors_tally(tally: Tally) -> None:
    """Errors as one line each on stderr, and a note for skipped files."""
    for error in tally.errors:
        click.echo(f"error: {error}", err=True)
    if tally.skipped:
        click.echo(
            f"note: skipped {len(tally.skipped)} file(s) without Kubernetes objects or with "
            "unrendered Helm templates (render charts with `helm template ... | podwarden check -`) "
            f"(e.g. {tally.skipped[0]})",
            err=True,
        )


def progress() -> Callable[[int], None] | None:
    """A file counter on stderr for long runs at a terminal."""
    if not sys.stderr.isatty():
        return None

    def tick(done: int) -> None:
        if done % 200 == 0:
            click.echo(f"\rscanned {done} files...", err=True, nl=False)

    return tick
