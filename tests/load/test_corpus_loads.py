"""Every manifest of the shared real-world corpus loads without an input error."""

from __future__ import annotations

from podwarden.engine import Engine, Selection
from tests.conftest import SHARED


def test_every_corpus_file_loads() -> None:
    engine = Engine(Selection(only=frozenset({"pss/privileged"})))
    result = engine.run([str(SHARED / "corpus")])
    assert result.files == 8381
    assert [str(e) for e in result.errors] == []
    assert len(result.objects) >= 15398
    # UTF-16 and YAML 1.1 '=' files are among them
    assert not result.skipped
