"""The command line: parse options, call the engine and a reporter, choose the exit code.

Each sub-command is a module of this package defining ``command`` (or ``commands``), a
click command; ``COMMANDS`` names the module of each, and only the invoked command's module
is imported (a test checks that ``COMMANDS`` lists every command of every module).
Exit status: 0 clean, 1 findings (or violations), 2 errors (bad input or usage).
"""

from __future__ import annotations

import gc

#: the collector's thresholds, restored once the command is found (commands may set their own)
_THRESHOLD = gc.get_threshold()
# importing click, the command and what it needs makes tens of thousands of lasting objects
# and no garbage: collecting every 700 new ones cost ~2% of a short run's instructions
gc.set_threshold(100_000, _THRESHOLD[1], _THRESHOLD[2])

import importlib  # noqa: E402 - these after the threshold above
import sys  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from podwarden import __version__  # noqa: E402
from podwarden.errors import PodwardenError  # noqa: E402

#: command name -> module of this package that defines it
COMMANDS = {
    "audit": "audit",
    "check": "check",
    "explain": "rules",
    "fix": "fix",
    "pss": "pss",
    "rules": "rules",
    "serve": "serve",
}


def module_commands(module_name: str) -> list[click.Command]:
    """The click commands a module of this package defines."""
    module = importlib.import_module(f"{__name__}.{module_name}")
    found = getattr(module, "commands", [getattr(module, "command", None)])
    return [c for c in found if isinstance(c, click.Command)]


class _Commands(dict[str, click.Command]):
    """The group's commands, each module imported when one of its commands is asked for."""

    def __missing__(self, name: str) -> click.Command:
        if name not in COMMANDS:
            raise KeyError(name)
        self.load(COMMANDS[name])
        return dict.__getitem__(self, name)

    def load(self, module_name: str) -> None:
        for command in module_commands(module_name):
            self.setdefault(command.name or module_name, command)


class _LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used (or listed)."""

    commands: _Commands

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        found = super().resolve_command(ctx, args)  # the command's module is imported by now
        gc.freeze()  # what is loaded lives as long as the process: out of every collection
        gc.set_threshold(*_THRESHOLD)
        return found

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            return self.commands[cmd_name]
        for module_name in dict.fromkeys(COMMANDS.values()):  # click's error suggests among them all
            self.commands.load(module_name)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podwarden")
def main() -> None:
    """Make Kubernetes pods secure by default (AKS pod security best practices), and prove it."""


def run() -> None:
    """Console entry point: errors are one line and exit 2, never a traceback."""
    try:
        main(standalone_mode=True)
    except PodwardenError as exc:
        _say(f"error: {exc}")
        sys.exit(2)
    except OSError as exc:  # unwritable --output, unreadable certificate or kubeconfig ...
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"error: {where}{exc.strerror or type(exc).__name__}")
        sys.exit(2)
    except Exception as exc:  # never a traceback, and never its message: it may quote input
        click.echo(f"error: internal error ({type(exc).__name__}); please report it", err=True)
        sys.exit(2)
    finally:
        # the process ends: outputs are written and closed, what is left is freed by its
        # reference counts, and the collections of interpreter shutdown need not walk it
        gc.freeze()


def _say(text: str) -> None:
    from podwarden.cli.common import say  # only on the way out with an error

    say(text)


if __name__ == "__main__":  # pragma: no cover
    run()
