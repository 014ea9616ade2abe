"""Every manifest of the shared real-world corpus loads without an input error."""

from __future__ import annotations

from podwarden.engine import Engine, Selection
from tests.conftest import SHARED


def test_every_corpus_file_loads() -> None:
    engine = Engine(Selection(only=frozenset({"pss/privileged"})))
    result = engine.run([str(SHARED / "corpus")])
    assert result.files == 8381
    # the only errors: argo-cd's deliberately invalid test data, which Kubernetes rejects too
    # (a boolean where metadata.annotations/labels need strings)
    assert {e.file for e in result.errors} == {
        str(SHARED / "corpus/argo-cd/reposerver/repository/testdata/invalid-metadata/bad.yaml")
    }
    assert len(result.objects) >= 15398
    # UTF-16 and YAML 1.1 '=' files are among them
    assert not result.skipped
