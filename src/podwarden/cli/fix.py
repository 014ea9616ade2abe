"""``podwarden fix``: rewrite manifests so that they pass, changing only what must change."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from podwarden.cli import common
from podwarden.errors import InputError
from podwarden.rules.registry import default_registry

if TYPE_CHECKING:
    from podwarden.fix.outcome import Remaining


@click.command(name="fix")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--write", is_flag=True,
              help="Rewrite the files (atomically, permissions kept) instead of printing a diff.")
@common.level_option
@click.option("--k8s-version", default="latest", show_default=True, metavar="VERSION",
              help="Kubernetes version whose PSS rules apply: v1.N or latest.")
@common.rule_list_options("Fix")
@click.option("--unsafe", is_flag=True,
              help="Also apply fixes that can change what the application does.")
@click.option("--run-as-user", type=click.IntRange(min=1), metavar="UID",
              help="Non-root user id: written as the pod's runAsUser where the pod sets none and "
                   "a container has none of its own, and where runAsUser is 0.")
@click.option("--run-as-group", type=click.IntRange(min=1), metavar="GID",
              help="Non-root group id: written as the pod's runAsGroup where the pod sets none and "
                   "a container has none of its own, and where runAsGroup is 0.")
@click.option("--fs-group", type=click.IntRange(min=1), metavar="GID",
              help="Group written as fsGroup in pods that mount a disk volume writable "
                   "(persistentVolumeClaim, ephemeral, azureDisk ...) and set none or 0.")
@click.option("--move-secrets", is_flag=True,
              help="Move credentials found in pod env values to Azure Key Vault instead of "
                   "applying hardening fixes (needs --keyvault, --tenant-id, --client-id).")
@click.option("--keyvault", metavar="NAME", help="--move-secrets: the Key Vault's name.")
@click.option("--tenant-id", metavar="GUID", help="--move-secrets: the Entra tenant id.")
@click.option("--client-id", metavar="GUID",
              help="--move-secrets: client id of the workload identity (managed identity or app).")
@click.option("--service-account", metavar="NAME",
              help="--move-secrets: ServiceAccount the pods use (default: the pod's own, "
                   "else one named after the workload).")
@click.option("--as-env", is_flag=True,
              help="--move-secrets: keep env variables, read from a Secret synced by the "
                   "SecretProviderClass (the value is then also stored in etcd).")
@click.option("--secrets-dir", metavar="DIR",
              help="--move-secrets: new directory for the extracted values (default: a fresh "
                   "temporary directory); must not exist nor be inside a PATH.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: .podwarden.yaml found upward from here).")
@common.jobs_option("Fix files")
@click.pass_context
def command(
    ctx: click.Context, paths: tuple[str, ...], write: bool, level: str, k8s_version: str,
    only: frozenset[str], skip: frozenset[str], unsafe: bool, run_as_user: int | None,
    run_as_group: int | None, fs_group: int | None,
    config_path: Path | None, move_secrets: bool = False, keyvault: str | None = None,
    tenant_id: str | None = None, client_id: str | None = None,
    service_account: str | None = None, as_env: bool = False, secrets_dir: str | None = None,
    jobs: int | None = None,
) -> None:
    """Fix manifests (files, directories, or - for stdin) so that they pass `check`.

    Prints a unified diff by default; --write rewrites the files. Only fixes that cannot
    change what the application does are applied unless --unsafe (or a value such as
    --run-as-user) asks for more; the output says what was held back and why.

    What `check` would still report after the fixes is listed, each with the reason it was
    left (no automatic fix, needs --unsafe, needs a value such as --run-as-user).

    Exit status: 0 nothing left to fix (or all written), 1 a dry run found something to
    fix or findings remain (as `check` would say), 2 errors (a file that cannot be read as
    `check` reads it, or cannot be rewritten safely, is left untouched and reported).

    With --move-secrets, credentials in pod env values move to Azure Key Vault: a
    SecretProviderClass, a read-only CSI mount, workload identity wiring, and the values
    written to files in a new 0700 directory outside the manifests with an upload script.
    """
    common.tune_gc_for_batch()
    from podwarden.fix import diff, writable, yamlfile  # imported here: other commands start faster
    from podwarden.fix.apply import Fixer
    if move_secrets:
        if unsafe or run_as_user is not None or run_as_group is not None or fs_group is not None \
                or only or skip:
            raise common.UsageError("--move-secrets does not take --unsafe, --run-as-user, "
                                    "--only or --skip: run the hardening fixes separately")
        sys.exit(move_command(paths, write, keyvault=keyvault, tenant_id=tenant_id,
                              client_id=client_id, service_account=service_account,
                              as_env=as_env, secrets_dir=secrets_dir))
    move = {"keyvault": keyvault, "tenant_id": tenant_id, "client_id": client_id,
            "service_account": service_account, "as_env": as_env, "secrets_dir": secrets_dir}
    given = sorted("--" + k.replace("_", "-") for k, v in move.items() if v)
    if given:
        raise common.UsageError(f"{', '.join(given)}: only with --move-secrets")
    registry = default_registry()
    selection = common.selection(ctx, registry, common.load_configuration(config_path), level=level,
                                 k8s_version=k8s_version, only=only, skip=skip)
    values: dict[str, Any] = {}
    for key, value in (("run_as_user", run_as_user), ("run_as_group", run_as_group),
                       ("fs_group", fs_group)):
        if value is not None:
            values[key] = value
    fixer = Fixer(selection, registry, unsafe=unsafe, values=values)
    changed = errors = fixes = skipped = 0
    left: dict[str, list[Remaining]] = defaultdict(list)
    cautions: dict[str, list[str]] = defaultdict(list)
    values_set: dict[str, list[str]] = defaultdict(list)
    for ff in fixer.iter_files(paths, jobs=jobs):
        if ff.skipped:
            skipped += 1
            continue
        if write and ff.changed and ff.path != "-":
            problem = writable.problem(ff.path)
            if problem:
                ff.errors.append(InputError(ff.path, 0, f"{problem}: not changed"))
        if ff.errors:
            for error in ff.errors:
                common.say(f"error: {error}")
            errors += 1
            continue
        for rest in ff.remaining:
            left[f"{rest.rule_id}: {rest.why}"].append(rest)
        if not ff.changed:
            continue
        for done in ff.cautions:  # only where the caution can apply to the pod as fixed
            found = registry.get(done.rule_id)
            if found is not None:
                settle = " or ".join(f"--{k.replace('_', '-')}" for k in found.fix_caution_unless)
                why = f"{found.fix_caution}{f', or give {settle}' if settle else ''}"
                cautions[f"{done.rule_id}: {why}"].append(f"{ff.path}: {done.object} {done.path}")
        for put in ff.values_set:
            values_set[f"--{put.option.replace('_', '-')} {put.value}"].append(f"{ff.path}: {put.object} {put.path}")
        if not write:
            click.echo(ff.redact(diff.unified(ff.path, ff.text, ff.fixed_text or "")), nl=False)
        elif ff.path == "-":
            sys.stdout.buffer.write(ff.fixed_bytes())
        else:
            try:
                yamlfile.write_atomic(ff.path, ff.fixed_bytes())
            except OSError as exc:
                common.say(f"error: {InputError(ff.path, 0, f'not written: {exc.strerror or exc}')}")
                errors += 1
                continue
            common.say(f"fixed {ff.path} ({len(ff.applied)} finding(s))")
        changed += 1
        fixes += len(ff.applied)
    remaining = report_remaining(left, write)
    for what, where in sorted(values_set.items()):
        common.say(f"{'set' if write else 'would set'}: {what} at pod level in {len(where)} pod(s) "
                   f"(containers setting their own keep it), e.g. {where[0]}")
    for why, where in sorted(cautions.items()):
        common.say(f"caution: {why} ({len(where)} fix(es), e.g. {where[0]})")
    if skipped:
        common.say(f"note: skipped {skipped} file(s) without Kubernetes objects or with unrendered "
                   "Helm templates")
    verb = "fixed" if write else "would fix"
    common.say(f"{verb} {fixes} finding(s) in {changed} file(s)"
               + (f"; {remaining} finding(s) left" if remaining else "")
               + ("" if write or not changed else "; run with --write to apply"))
    if errors:
        sys.exit(2)
    sys.exit(1 if remaining or (changed and not write) else 0)


def report_remaining(left: dict[str, list[Remaining]], write: bool) -> int:
    """Print what ``check`` still reports once the fixes are made, grouped by rule and
    reason: a header line per group, then one line per finding (file, line, object, field
    path: never a value).  Lines are the file's as it is now: the fixed file's after
    ``--write``, else the input's (where the finding stands there).  Returns the count."""
    total = 0
    for why, items in sorted(left.items()):
        total += len(items)
        common.say(f"left: {why} ({len(items)} finding(s)):")
        for rest in items:
            line = rest.line if write else rest.line_before or rest.line
            where = f"{rest.file}:{line}" if line > 0 else rest.file
            common.say(f"  {where}: {rest.object} {rest.path}")
    return total


def move_command(paths: tuple[str, ...], write: bool, *, keyvault: str | None, tenant_id: str | None,
                 client_id: str | None, service_account: str | None, as_env: bool,
                 secrets_dir: str | None) -> int:
    """``fix --move-secrets``: plan, print the diff or write; the exit status."""
    from podwarden.fix import diff, move_secrets, yamlfile
    for flag, value in (("--keyvault", keyvault), ("--tenant-id", tenant_id), ("--client-id", client_id)):
        if not value:
            raise common.UsageError(f"--move-secrets needs {flag}")
    assert keyvault and tenant_id and client_id
    if not move_secrets.valid_vault_name(keyvault):
        raise common.UsageError(f"--keyvault: {keyvault!r} is not a Key Vault name (3-24 letters, "
                                "digits and hyphens, starting with a letter)")
    for flag, value in (("--tenant-id", tenant_id), ("--client-id", client_id)):
        if not move_secrets.valid_guid(value):
            raise common.UsageError(f"{flag}: {value!r} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
    if service_account is not None and not move_secrets.valid_object_name(service_account):
        raise common.UsageError(f"--service-account: {service_account!r} is not a Kubernetes object name")
    if "-" in paths:
        raise common.UsageError("--move-secrets rewrites files: standard input (-) is not supported")
    if secrets_dir is not None:
        problem = move_secrets.check_secrets_dir(secrets_dir, paths)
        if problem:
            raise common.UsageError(f"--secrets-dir: {problem}")
    else:
        import tempfile

        problem = move_secrets.check_inside(os.path.join(tempfile.gettempdir(), "x"), paths)
        if problem:
            raise common.UsageError("the temporary directory is inside a PATH: give --secrets-dir")
    options = move_secrets.Options(keyvault, tenant_id, client_id, service_account, as_env)
    plan = move_secrets.Mover(options).plan(paths, writing=write)
    for error in plan.errors:
        common.say(plan.redact(f"error: {error}"))
    changed = plan.changed
    for moved in plan.moved:
        common.say(f"{'moved' if write else 'would move'}: {moved.file}: {moved.object} container "
                   f'"{moved.container}" env "{moved.env}" ({moved.secret}) -> Key Vault '
                   f"{keyvault} secret {moved.object_name} (SecretProviderClass {moved.spc})")
    if plan.synced:
        common.say("note: --as-env syncs the values into Kubernetes Secret(s) "
                   f"{', '.join(plan.synced)} (secretObjects): the values are then also stored in "
                   "etcd, the weaker form vault/secret-sync reports; without --as-env the pods "
                   "read them from the read-only mounted files only")
    elif plan.moved:
        common.say("note: each moved variable NAME became NAME_FILE, the path of the mounted "
                   "file holding the value: the application must read the file "
                   "(--as-env keeps NAME, through a synced Secret)")
    errors = bool(plan.errors)
    for item in plan.left:
        where = f"{item.file}:{item.line}" if item.line > 0 else item.file
        common.say(plan.redact(f"left: {where}: {item.object} {item.path} ({item.rule_id} {item.secret}): "
                               f"{item.advice}"))
    if not write:
        for fp in changed:
            click.echo(plan.redact(diff.unified(fp.path, fp.text, fp.fixed_text or "")), nl=False)
        if plan.values:
            common.say(f"would write {len(plan.values)} value(s) and an upload script to a new "
                       "directory (mode 0700) outside the manifests; run with --write")
        common.say(f"would move {len(plan.moved)} credential(s) in {len(changed)} file(s)"
                   + (f"; {len(plan.left)} credential(s) it cannot move left" if plan.left else ""))
        return 2 if errors else 1 if changed or plan.left else 0
    if plan.values:
        try:
            where = move_secrets.write_values(plan.values, keyvault, secrets_dir, paths)
        except OSError as exc:
            common.say(f"error: values not written, no manifest changed: {exc.strerror or exc}")
            return 2
    written = 0
    for fp in changed:
        try:
            yamlfile.write_atomic(fp.path, fp.fixed_bytes())
        except OSError as exc:
            common.say(f"error: {InputError(fp.path, 0, f'not written: {exc.strerror or exc}')}")
            errors = True
            continue
        written += 1
    common.say(f"moved {len(plan.moved)} credential(s) in {written} file(s)"
               + (f"; {len(plan.left)} credential(s) it cannot move left" if plan.left else ""))
    if plan.values:
        common.say(f"values: {len(plan.values)} file(s) in {where} (directory 0700, files 0600); "
                   f"upload them with: sh {os.path.join(where, 'upload.sh')}")
        common.say(f"then DELETE that directory (rm -rf {where}): it holds the credentials in clear")
    return 2 if errors else 1 if plan.left else 0
