"""``podwarden fix``: rewrite manifests so that they pass, changing only what must change."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from podwarden.cli import common
from podwarden.config import Config, discover, load_config
from podwarden.engine import Selection
from podwarden.errors import ConfigError
from podwarden.fix import diff, yamlfile
from podwarden.fix.apply import Fixer
from podwarden.rules.api import Level, Version
from podwarden.rules.registry import default_registry


@click.command(name="fix")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--write", is_flag=True,
              help="Rewrite the files (atomically, permissions kept) instead of printing a diff.")
@click.option("--level", default="restricted", show_default=True, metavar="LEVEL",
              help="Pod Security Standards level: privileged, baseline or restricted.")
@click.option("--k8s-version", default="latest", show_default=True, metavar="VERSION",
              help="Kubernetes version whose PSS rules apply: v1.N or latest.")
@click.option("--only", multiple=True, callback=common.split_list, metavar="LIST",
              help="Fix only these families or rule ids (comma-separated, repeatable).")
@click.option("--skip", multiple=True, callback=common.split_list, metavar="LIST",
              help="Do not fix these families or rule ids (comma-separated, repeatable).")
@click.option("--unsafe", is_flag=True,
              help="Also apply fixes that can change what the application does.")
@click.option("--run-as-user", type=click.IntRange(min=1), metavar="UID",
              help="Non-root user id to set where a concrete runAsUser is needed.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .podwarden.yaml found upward from here).")
@click.pass_context
def command(
    ctx: click.Context, paths: tuple[str, ...], write: bool, level: str, k8s_version: str,
    only: frozenset[str], skip: frozenset[str], unsafe: bool, run_as_user: int | None,
    config_path: Path | None,
) -> None:
    """Fix manifests (files, directories, or - for stdin) so that they pass `check`.

    Prints a unified diff by default; --write rewrites the files. Only fixes that cannot
    change what the application does are applied unless --unsafe (or a value such as
    --run-as-user) asks for more; the output says what was held back and why.

    Exit status: 0 nothing to fix (or all written), 1 a dry run found something to fix
    (as `ruff format --check` does), 2 errors (a file that cannot be rewritten safely is
    left untouched and reported).
    """
    registry = default_registry()
    config = _config(config_path)

    def option(name: str, value: Any) -> Any:
        if ctx.get_parameter_source(name) is click.core.ParameterSource.DEFAULT:
            key = name.replace("_", "-")
            if key in config.options:
                configured = config.options[key]
                return frozenset(configured) if isinstance(value, frozenset) else str(configured)
        return value

    only, skip = option("only", only), option("skip", skip)
    common.check_names(only, registry, "--only")
    common.check_names(skip, registry, "--skip")
    selection = Selection(
        level=common.parse(Level.parse, option("level", level), "--level"),
        version=common.parse(Version.parse, option("k8s_version", k8s_version), "--k8s-version"),
        only=only,
        skip=skip,
        settings=config.settings,
    )
    values: dict[str, Any] = {}
    if run_as_user is not None:
        values["run_as_user"] = run_as_user
    fixer = Fixer(selection, registry, unsafe=unsafe, values=values)
    changed = errors = fixes = skipped = 0
    held: dict[str, list[str]] = defaultdict(list)
    for ff in fixer.iter_files(paths):
        if ff.skipped:
            skipped += 1
            continue
        for error in ff.errors:
            click.echo(f"error: {error}", err=True)
        if ff.errors:
            errors += 1
            continue
        for hb in ff.held_back:
            held[f"{hb.rule_id}: {hb.why}"].append(f"{ff.path}: {hb.object} {hb.path}")
        if not ff.changed:
            continue
        changed += 1
        fixes += len(ff.applied)
        if not write:
            click.echo(diff.unified(ff.path, ff.text, ff.fixed_text or ""), nl=False)
        elif ff.path == "-":
            sys.stdout.buffer.write(ff.fixed_bytes())
        else:
            try:
                yamlfile.write_atomic(ff.path, ff.fixed_bytes())
            except OSError as exc:
                click.echo(f"error: {ff.path}:0: not written: {exc.strerror or exc}", err=True)
                errors += 1
                continue
            click.echo(f"fixed {ff.path} ({len(ff.applied)} finding(s))", err=True)
    _report_held(held)
    if skipped:
        click.echo(f"note: skipped {skipped} file(s) without Kubernetes objects or with unrendered "
                   "Helm templates", err=True)
    verb = "fixed" if write else "would fix"
    click.echo(f"{verb} {fixes} finding(s) in {changed} file(s)"
               + ("" if write or not changed else "; run with --write to apply"), err=True)
    if errors:
        sys.exit(2)
    sys.exit(1 if changed and not write else 0)


def _report_held(held: dict[str, list[str]]) -> None:
    for why, where in sorted(held.items()):
        click.echo(f"held back: {why} ({len(where)} finding(s), e.g. {where[0]})", err=True)


def _config(path: Path | None) -> Config:
    found = path or discover()
    if found is None:
        return Config()
    try:
        return load_config(found)
    except ConfigError as exc:
        raise common.UsageError(str(exc)) from None
