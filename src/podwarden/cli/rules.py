"""``podwarden rules`` and ``podwarden explain``: the registry, listed and documented."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import click

from podwarden import docs
from podwarden.cli import common
from podwarden.rules.registry import default_registry


@click.command(name="rules")
@click.option("-o", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="With -o markdown: write the docs/rules pages into this directory.")
@click.option("--fixtures", type=click.Path(file_okay=False, path_type=Path),
              help="With -o markdown: the tests/rules directory, for examples.")
def rules_command(fmt: str, out_dir: Path | None, fixtures: Path | None) -> None:
    """List every rule: id, severity, PSS level and title."""
    registry = default_registry()
    if fmt == "markdown":
        if out_dir is None:
            click.echo(docs.index_page(registry))
        else:
            docs.write(registry, out_dir, fixtures)
            click.echo(f"wrote {len(registry) + 1} pages to {out_dir}")
        return
    if fmt == "json":
        data = [
            {"id": r.id, "title": r.title, "severity": str(r.severity),
             "level": str(r.pss) if r.pss else None, "upstreamId": r.upstream_id,
             "since": [f"v1.{v.since}" for v in r.variants],
             "fix": None if r.fixer is None else ("safe" if r.fix_safe else "unsafe")}
            for r in registry.rules.values()
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for r in registry.rules.values():
        level = str(r.pss) if r.pss else "-"
        click.echo(f"{r.id:<40} {r.severity!s:<9} {level:<11} {r.title}")


@click.command(name="explain")
@click.argument("rule_id", metavar="RULE")
def explain_command(rule_id: str) -> None:
    """Print a rule's documentation."""
    registry = default_registry()
    r = registry.get(rule_id)
    if r is None:
        # the upstream check id `pss` prints (runAsNonRoot, capabilities_restricted)
        upstream = [u for u in registry.rules.values() if u.upstream_id and u.upstream_id.lower() == rule_id.lower()]
        r = upstream[0] if len(upstream) == 1 else None
    if r is None:
        slug = rule_id.split("/")[-1]
        slugs = {i.split("/")[-1]: i for i in registry.rules}
        close = ([i for i in registry.rules if i.split("/")[-1] == slug]
                 or [slugs[s] for s in difflib.get_close_matches(slug, list(slugs), n=3, cutoff=0.75)]
                 or [i for i in registry.rules if len(slug) >= 5 and slug in i.split("/")[-1]])
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise common.UsageError(f"unknown rule {rule_id!r}{hint}")
    click.echo(docs.rule_page(r))


commands = [rules_command, explain_command]
