"""``Engine.scan_docs(record=...)``: every violation a rule raised, with its object and
target, whether or not it becomes a finding (what ``fix`` plans from)."""

from __future__ import annotations

from podwarden.engine import Engine, Raised, Selection
from podwarden.load import yaml as yamlload
from podwarden.model.objects import KubeObject
from podwarden.model.podspec import PodView

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    podwarden.io/ignore: hardening/root-group
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: true
"""


def _scan(text: str, selection: Selection) -> tuple[list[Raised], list[str]]:
    engine = Engine(selection)
    record: list[Raised] = []
    result = engine.scan_docs(yamlload.parse(text, "pod.yaml"), "pod.yaml", True, record)
    return record, [f.rule_id for f in result.findings]


def test_record_holds_every_raised_violation_with_its_object_and_target() -> None:
    record, findings = _scan(POD, Selection())
    raised = {r.check.rule.id for r in record}
    assert "pss/privileged" in raised
    assert set(findings) <= raised  # every finding was raised first
    for r in record:
        assert isinstance(r.object, KubeObject) and r.object.kind == "Pod"
        assert isinstance(r.target, PodView if r.check.rule.target == "pod" else KubeObject)
    privileged = next(r for r in record if r.check.rule.id == "pss/privileged")
    assert privileged.violation.path[-1] == "privileged"


def test_record_keeps_what_suppression_or_severity_leaves_out() -> None:
    record, findings = _scan(POD, Selection())
    raised = [r.check.rule.id for r in record]
    assert "hardening/root-group" in raised  # suppressed by the annotation
    assert "hardening/root-group" not in findings


def test_without_record_the_findings_are_the_same() -> None:
    engine = Engine(Selection())
    docs = yamlload.parse(POD, "pod.yaml")
    plain = engine.scan_docs(docs, "pod.yaml", True)
    recorded = engine.scan_docs(yamlload.parse(POD, "pod.yaml"), "pod.yaml", True, [])
    assert plain.findings == recorded.findings
