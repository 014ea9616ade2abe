"""``Tally``'s bounded heap of the worst objects is the one pushing every object's entry in
turn leaves (it skips the entries it would pop at once); the worst are listed first."""

from __future__ import annotations

import heapq
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.engine import FileResult, Finding, ObjectResult
from podwarden.model.objects import ObjectRef
from podwarden.report.score import object_score
from podwarden.report.tally import WORST_KEPT, Tally
from podwarden.rules.api import Severity

rules = st.sampled_from(["a/one", "a/two", "b/three", "b/four"])
objects = st.tuples(
    st.sampled_from(["Pod", "Deployment"]), st.sampled_from(["x", "y", "z"]),
    st.lists(st.tuples(rules, st.sampled_from(list(Severity))), max_size=5),
    st.booleans(), st.integers(min_value=1, max_value=5),
)


@settings(max_examples=300)
@given(st.lists(st.lists(objects, max_size=6), max_size=8))
def test_the_worst_objects_are_those_every_entry_pushed_leaves(files: list[list[Any]]) -> None:
    tally = Tally()
    heap: list[tuple[int, int, str, str, int]] = []  # every entry pushed
    for n, file_objects in enumerate(files):
        name = f"f{n}.yaml"
        results = []
        for kind, obj_name, found, pod, line in file_objects:
            ref = ObjectRef("v1", kind, None, obj_name)
            findings = [Finding(rule, severity, "m", name, line, 1, ref, "spec") for rule, severity in found]
            results.append(ObjectResult(name, ref, line, pod, findings))
            if findings:
                entry = (-object_score(findings), int(max(f.severity for f in findings)), str(ref), name, line)
                if len(heap) < WORST_KEPT:
                    heapq.heappush(heap, entry)
                else:
                    heapq.heappushpop(heap, entry)
        tally.add(FileResult(name, findings=[f for o in results for f in o.findings], objects=results))
    assert tally.worst == heap
    scores = [score for score, *_ in tally.worst_objects()]
    assert scores == sorted(scores)


@settings(max_examples=200)
@given(st.lists(st.lists(st.tuples(rules, st.sampled_from(list(Severity)), st.sampled_from([None, "", "a", "b"])),
                         max_size=6), max_size=6))
def test_findings_are_counted_by_severity_rule_and_namespace(files: list[list[Any]]) -> None:
    from collections import Counter

    tally = Tally()
    every = []
    for n, found in enumerate(files):
        findings = [Finding(rule, severity, "m", f"f{n}", 1, 1, ObjectRef("v1", "Pod", namespace, "x"), "spec")
                    for rule, severity, namespace in found]
        every += findings
        tally.add(FileResult(f"f{n}", findings=findings))
    # as Counter.update of each file's findings counted them: the same counts, in first-seen order
    for counted, expected in (
        (tally.by_severity, Counter(str(f.severity) for f in every)),
        (tally.by_rule, Counter(f.rule_id for f in every)),
        (tally.by_namespace, Counter(f.object.namespace or "(no namespace)" for f in every)),
    ):
        assert counted == expected
        assert list(counted.items()) == list(expected.items())
