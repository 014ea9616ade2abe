"""Worker processes: when the engine starts them by itself, and that they change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import core
from podwarden.engine.core import Engine, auto_jobs
from podwarden.engine.results import Selection
from podwarden.load.sources import Source
from tests.conftest import SHARED


def _files(tmp_path: Path, count: int, size: int) -> list[Source]:
    sources = []
    for n in range(count):
        path = tmp_path / f"f{n}.yaml"
        path.write_text("x" * size)
        sources.append(Source(str(path), False))
    return sources


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)


@pytest.mark.usefixtures("two_cpus")
def test_auto_jobs_only_when_files_are_many_and_large(tmp_path: Path) -> None:
    big = core.PARALLEL_BYTES // core.PARALLEL_FILES + 1
    assert auto_jobs(_files(tmp_path, core.PARALLEL_FILES - 1, 4 * big)) == 1  # few files
    assert auto_jobs(_files(tmp_path / "small", 0, 0)) == 1
    (tmp_path / "small").mkdir()
    assert auto_jobs(_files(tmp_path / "small", core.PARALLEL_FILES, 10)) == 1  # many, but tiny
    (tmp_path / "many").mkdir()
    assert auto_jobs(_files(tmp_path / "many", core.PARALLEL_FILES, big)) == 2


def test_auto_jobs_on_one_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert auto_jobs(_files(tmp_path, core.PARALLEL_FILES, core.PARALLEL_BYTES)) == 1


def test_index_built_by_workers_is_the_same(tmp_path: Path) -> None:
    """Workers parse the indexed kinds, the parent adds them in file order: the blast
    radius (which reads ServiceAccounts, bindings and roles from the index) is the same."""
    corpus = str(SHARED / "corpus" / "argo-cd" / "manifests")
    runs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(main, ["check", "-o", "json", "--blast-radius", "-j", jobs, corpus])
        runs.append(result.stdout)
    radius = json.loads(runs[0])["blastRadius"]
    assert any("through RoleBinding" in reach["summary"] for r in radius for reach in r["reach"])
    assert runs[0] == runs[1]


def test_index_of_unreadable_and_plain_files(tmp_path: Path) -> None:
    """A file the index pass cannot read gives nothing there (the main pass reports it)."""
    (tmp_path / "sa.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: team}\n")
    (tmp_path / "bad.yaml").write_text("kind: ServiceAccount\n  - : [\n")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
    sources = [Source(str(p), False) for p in sorted(tmp_path.iterdir())]
    engine = Engine(Selection())
    index = engine.build_index(sources, {})
    assert len(index) == 1
    entry = index.get("ServiceAccount", "team", "a")
    assert entry is not None and entry.file.endswith("sa.yaml")


def test_one_process_reads_each_file_once_within_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process the main pass takes the bytes the index pass read (up to KEPT_BYTES);
    past the budget it reads the file again: the same findings either way."""
    from podwarden.engine import core
    from podwarden.load import sources as sources_module

    (tmp_path / "sa.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: team}\n")
    for i in range(3):
        (tmp_path / f"pod{i}.yaml").write_text(
            f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: team}}\n"
            "spec: {serviceAccountName: a, containers: [{name: c, image: i, securityContext: {privileged: true}}]}\n")
    (tmp_path / "context.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    reads: list[str] = []
    real_read = sources_module.Source.read

    def counted(self: Source) -> bytes:
        reads.append(Path(self.name).name)
        return real_read(self)

    monkeypatch.setattr(sources_module.Source, "read", counted)
    runs = []
    for budget in (core.KEPT_BYTES, 0):
        monkeypatch.setattr(core, "KEPT_BYTES", budget)
        reads.clear()
        files = [str(tmp_path / n) for n in ("sa.yaml", "pod0.yaml", "pod1.yaml", "pod2.yaml")]
        result = Engine(Selection()).run(files, context_paths=[str(tmp_path / "context.yaml")], jobs=1)
        runs.append([(f.rule_id, f.file, f.line, f.path) for f in result.findings])
        # the context file is read by the index pass (and the context check) only
        scanned = sorted(n for n in reads if n != "context.yaml")
        assert scanned == sorted(Path(f).name for f in files * (1 if budget else 2)), (budget, scanned)
    assert runs[0] == runs[1] and any(rule == "pss/privileged" for rule, *_ in runs[0])
