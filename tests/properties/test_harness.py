"""The checkers themselves catch what they claim to: a property suite whose leak detector or
diff reader were blind would pass vacuously.  Fake runners stand in for podwarden here."""

from __future__ import annotations

import base64

from tests.properties import hostile, invariants, planted
from tests.properties.invariants import Hunk, Outcome, outside_hunks, split_diff
from tests.properties.strategies import MUTATIONS, Case

GHP = planted.GITHUB_TOKEN.value


def test_leak_detector_finds_every_form() -> None:
    assert [leak.name for leak in planted.leaks(f"x {GHP} y")] == ["github-token"]
    assert planted.leaks("message ..." + planted.STORAGE_KEY.value[40:52] + "... end")
    assert planted.leaks(base64.b64encode(GHP.encode()).decode())
    assert planted.leaks(planted.PRIVATE_KEY.value.splitlines()[7])
    assert not planted.leaks(f"...(40)#1a2b3c4d ghp_... {GHP[:11]} MIIEowIBAAKCAQEA")
    assert planted.scrub(f"a {GHP} b") == "a <planted:github-token> b"


def test_planted_values_are_well_formed() -> None:
    assert GHP.startswith("ghp_") and len(GHP) == 40 and GHP[4:].isalnum()
    key = planted.STORAGE_KEY.value
    assert len(key) == 88 and key.endswith("==") and len(base64.b64decode(key)) == 64
    assert "AccountKey=" + planted.CONNECTION_KEY.value in planted.CONNECTION_STRING
    assert planted.PEM.startswith("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA")


def _fake(stdout: str = "", stderr: str = "", exit: int = 0) -> invariants.Runner:
    def run(args: list[str], stdin: bytes | None, cwd: str) -> Outcome:
        return Outcome(args, exit, stdout, stderr)
    return run


CASE = Case((("a.yaml", b"apiVersion: v1\nkind: Pod\n"),))


def _kinds(runner: invariants.Runner) -> set[str]:
    return {p.invariant for p in invariants.verify(CASE, runner, commands="read")}


def test_verifier_reports_each_kind_of_failure() -> None:
    assert "leak" in _kinds(_fake(stdout=f"token {GHP}"))
    assert "exit-status" in _kinds(_fake(exit=3))
    assert "traceback" in _kinds(_fake(stderr="Traceback (most recent call last):\n", exit=2))
    assert "error-line" in _kinds(_fake(stderr="error: ValueError: Exceeds the limit\n", exit=2))
    assert "error-exit" in _kinds(_fake(exit=2))
    assert "json-complete" in _kinds(_fake(stdout='{\n  "version": 1,\n  "findings": [', exit=2,
                                           stderr="error: <a>: x\n"))


def test_failure_messages_never_show_a_credential() -> None:
    problems = invariants.verify(CASE, _fake(stderr=f"error: {GHP}\n", exit=2), commands="read")
    assert problems and not any(planted.leaks(str(p)) for p in problems)
    assert not planted.leaks(repr(hostile.reported_cases()[0][1]))


def test_diff_reader() -> None:
    old = ["a\n", "b\n", "c\n", "d\n", "e\n"]
    diff = split_diff("--- f\n+++ f\n@@ -2,2 +2,3 @@\n b\n-c\n+C\n+C2\n")
    assert diff == {"f": [Hunk(2, 2, 2, 3, " -++")]}
    assert list(outside_hunks(old, ["a\n", "b\n", "C\n", "C2\n", "d\n", "e\n"], diff["f"])) == []
    assert list(outside_hunks(old, ["a\n", "b\n", "C\n", "C2\n", "d\r\n", "e\n"], diff["f"]))
    assert list(outside_hunks(old, ["A\n", "b\n", "C\n", "C2\n", "d\n", "e\n"], diff["f"]))


def test_every_mutation_operator_changes_its_input() -> None:
    for name, mutate in sorted(MUTATIONS.items()):
        data, what = mutate(hostile.BASE.encode(), lambda lo, hi: (lo + hi) // 2)
        assert data != hostile.BASE.encode() and what, name
