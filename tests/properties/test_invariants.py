"""Issue 13's invariants (see ``invariants.py``) on generated, mutated and corpus input:
in-process for speed, and as real processes, where "no traceback" really is decided.
``fuzz.py`` (``make fuzz``) runs these same tests for longer with random seeds."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests.properties import hostile, invariants, strategies
from tests.properties.profiles import CORPUS_BYTES, examples
from tests.properties.strategies import Case


@examples(70)
@given(case=strategies.cases(use_corpus=False))
def test_generated_manifests(case: Case) -> None:
    """Planted credentials in every place, every output format, mutated or not."""
    invariants.settle(case, invariants.verify(case))


@pytest.mark.skipif(not strategies.corpus_files(CORPUS_BYTES), reason="shared corpus not present")
@examples(30)
@given(case=strategies.cases(use_corpus=True, corpus_bytes=CORPUS_BYTES))
def test_corpus_seeds(case: Case) -> None:
    """Real manifests from ../shared/corpus (read in place) with planted credentials, mutated."""
    invariants.settle(case, invariants.verify(case))


@pytest.mark.parametrize("case", [c for _, c in hostile.reported_cases()],
                         ids=[i for i, _ in hostile.reported_cases()])
def test_reported_inputs(case: Case) -> None:
    """The inputs issue 13 reports, one file each."""
    invariants.settle(case, invariants.verify(case))


@pytest.mark.parametrize("case", [c for _, c in hostile.mutated_base_cases()],
                         ids=[i for i, _ in hostile.mutated_base_cases()])
def test_each_mutation_operator(case: Case) -> None:
    """Every mutation operator, with fixed choices, on a manifest holding every credential."""
    invariants.settle(case, invariants.verify(case))


REAL = [c for i, c in hostile.reported_cases() if i in ("tag-int-token", "json-4301-digits", "empty-file")]


@pytest.mark.parametrize("case", REAL, ids=[repr(c.origin[0]) for c in REAL])
def test_real_process(case: Case) -> None:
    """check (every format), pss and fix as real processes: exit status, no traceback, no
    leak, error lines, complete JSON."""
    invariants.settle(case, invariants.verify(case, invariants.as_process, commands="read"))


@examples(2)
@given(case=strategies.cases(max_mutations=2))
def test_real_process_generated(case: Case) -> None:
    """A few generated cases as real processes, ``fix --write`` included, and ``check -j 2``
    printing exactly what ``-j 1`` prints."""
    invariants.settle(case, invariants.verify(case, invariants.as_process, commands="process"))
