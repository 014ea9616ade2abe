"""The command line: parse options, call the engine and a reporter, choose the exit code.

Each sub-command is a module of this package defining ``command`` (a click command);
the group finds them all, so adding a command is adding a module.
Exit status: 0 clean, 1 findings (or violations), 2 errors (bad input or usage).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from podwarden import __version__
from podwarden.errors import PodwardenError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podwarden")
def main() -> None:
    """Make Kubernetes pods secure by default (AKS pod security best practices), and prove it."""


for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_") and _info.name != "common":
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _command in getattr(_module, "commands", [getattr(_module, "command", None)]):
            if _command is not None:
                main.add_command(_command)


def run() -> None:
    """Console entry point: errors are one line and exit 2, never a traceback."""
    try:
        main(standalone_mode=True)
    except PodwardenError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # unwritable --output, unreadable certificate or kubeconfig ...
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{exc.strerror or type(exc).__name__}", err=True)
        sys.exit(2)
    except Exception as exc:  # never a traceback, and never its message: it may quote input
        click.echo(f"error: internal error ({type(exc).__name__}); please report it", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    run()
