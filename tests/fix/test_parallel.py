"""``fix`` in several processes says and writes exactly what one process does."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from podwarden.cli import main
from tests.conftest import SHARED

SAMPLES = SHARED / "corpus" / "kubernetes-examples"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_is_the_same_in_two_processes() -> None:
    dirs = [str(SAMPLES / "web"), str(SAMPLES / "AI")]
    serial = run("fix", "-j", "1", "--unsafe", *dirs)
    parallel = run("fix", "-j", "2", "--unsafe", *dirs)
    assert serial[0] == 1 and serial[1].count("+++ ") > 10  # many files changed
    assert parallel == serial


def test_write_is_the_same_in_two_processes(tmp_path: Path) -> None:
    trees = []
    for jobs in ("1", "2"):
        tree = tmp_path / f"j{jobs}"
        shutil.copytree(SAMPLES / "web", tree / "web", copy_function=shutil.copyfile)
        shutil.copytree(SAMPLES / "AI", tree / "AI", copy_function=shutil.copyfile)
        code, _, _ = run("fix", "--write", "-j", jobs, str(tree))
        assert code == 1  # written, some findings left for a person
        trees.append({p.relative_to(tree): p.read_bytes() for p in sorted(tree.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]
    assert any(b"allowPrivilegeEscalation: false" in text for text in trees[0].values())
