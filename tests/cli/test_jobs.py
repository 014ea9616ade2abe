"""``-j``: the same option on every command that reads many files; ``-j 0`` is the CPUs
this process may use (a container's limit), not the machine's."""

from __future__ import annotations

import os

import click
import pytest

from podwarden.cli import common
from podwarden.cli.check import command as check
from podwarden.cli.pss import command as pss


@pytest.mark.parametrize("cmd", [check, pss])
def test_zero_means_the_usable_cpus_and_nothing_means_the_engine_decides(cmd: click.Command) -> None:
    option = next(p for p in cmd.params if p.name == "jobs")
    ctx = click.Context(cmd)
    assert option.process_value(ctx, None) is None
    assert option.process_value(ctx, 3) == 3
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert option.process_value(ctx, 0) == usable


def test_affinity_decides_not_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert common._jobs(click.Context(check), next(p for p in check.params if p.name == "jobs"), 0) == 1
