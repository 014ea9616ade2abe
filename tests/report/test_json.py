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
