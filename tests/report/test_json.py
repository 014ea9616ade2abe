"""``report.json.finding_json`` writes a finding exactly as ``json.dumps(f.as_dict())``
would, for any text a finding can carry (it replaces that call on the hot path)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.engine import Finding
from podwarden.model.objects import ObjectRef
from podwarden.report.json import finding_json
from podwarden.rules.api import Severity

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # control characters, non-ASCII

findings = st.builds(
    Finding,
    rule_id=texts,
    severity=st.sampled_from(list(Severity)),
    message=texts,
    file=texts,
    line=st.integers(min_value=0, max_value=10**7),
    column=st.integers(min_value=0, max_value=10**4),
    object=st.builds(ObjectRef, texts, texts, st.none() | texts, texts),
    path=texts,
    secret=st.none() | texts,
    pods=st.none() | st.integers(min_value=0, max_value=10**6),
    also=st.lists(texts, max_size=3).map(tuple),
    hint=st.none() | texts,
)


@settings(max_examples=400)
@given(findings)
def test_a_finding_is_written_as_json_dumps_writes_its_dict(f: Finding) -> None:
    expected = json.dumps(f.as_dict())
    assert finding_json(f) == expected
    assert finding_json(f, json.dumps(f.object.as_dict())) == expected
    assert json.loads(finding_json(f)) == json.loads(expected)


@settings(max_examples=200)
@given(st.lists(findings, max_size=4), texts, st.booleans(), st.integers(min_value=0, max_value=10**6))
def test_an_object_entry_is_written_as_json_dumps_writes_it(found: list[Finding], file: str, pod: bool,
                                                            line: int) -> None:
    import io

    from podwarden.engine import FileResult, ObjectResult
    from podwarden.report import json as json_report
    from podwarden.report.score import object_score
    from podwarden.report.tally import Tally

    ref = found[0].object if found else ObjectRef("v1", "Pod", None, "web")
    mine = [f.replace(object=ref) for f in found]
    result = ObjectResult(file, ref, line, pod, mine)
    out = io.StringIO()
    json_report.write([FileResult(file, findings=mine, objects=[result])], out, Tally())
    entry = {"file": file, "line": line, "object": ref.as_dict(), "score": object_score(mine),
             "findings": len(mine)}
    text = out.getvalue()
    if pod or mine:
        assert "\n    " + json.dumps(entry) + "\n  ]" in text
    assert json.loads(text)["objects"] == ([entry] if pod or mine else [])


@settings(max_examples=300)
@given(st.builds(ObjectRef, texts, texts, st.none() | texts, texts))
def test_an_object_is_written_as_json_dumps_writes_its_dict(ref: ObjectRef) -> None:
    from podwarden.report.json import object_json

    assert object_json(ref) == json.dumps(ref.as_dict())
