"""Checks that share one pass (``SharedCheck``, the credentials scan): the engine runs the
pass once per object for a run of them, and reports exactly what calling each would."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from podwarden.engine import Engine, Selection
from podwarden.engine.evaluate import plan_steps
from podwarden.load import yaml as yamlload
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.rules import api
from podwarden.rules.registry import Active, Registry

DOC = "Test rule.\n\n## What it checks\nx\n\n## Why\ny\n\n## Fix\nz\n"

# fake credentials assembled at run time (no scanner of this repository should see them whole)
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS = "AKIA" + "Z7QWM4K3X5B6N7V4"

CONFIG = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  token: {GITHUB}
  aws: {AWS}
  db.password: s3cr3t-Value-42
  url: https://user:Sup3rPassw0rd@db.example.com/app
"""


def _findings(engine: Engine, text: str) -> list[tuple[str, str, int]]:
    result = engine.scan_docs(yamlload.parse(text, "cm.yaml"), "cm.yaml", True)
    return [(f.rule_id, f.path, f.line) for f in result.findings]


def test_the_shared_run_reports_what_each_check_called_alone_reports() -> None:
    engine = Engine(Selection(only=frozenset({"credentials"})))
    steps = engine.object_steps_for("ConfigMap")
    assert any(members is not None and len(members) > 10 for _, _, _, members in steps)
    together = _findings(engine, CONFIG)
    # the same checks, each its own step (as before they were folded)
    engine._by_kind["ConfigMap"] = [step for a in engine.object_checks if not a.rule.kinds or "ConfigMap" in a.rule.kinds
                                    for step in plan_steps([a])]
    alone = _findings(engine, CONFIG)
    assert together == alone
    assert len(together) >= 4


def _rule(rule_id: str, fn: Any) -> Active:
    r = api.rule(rule_id, severity=api.Severity.LOW, target="object")
    r.doc = DOC
    r.check()(fn)
    return Active(r, r.variants[0].fn)


def _shared(found: Mapping[str, Sequence[api.Violation]]) -> Any:
    def shared(obj: Any, ctx: api.Context) -> Mapping[str, Sequence[api.Violation]]:
        return found
    return shared


def test_plan_steps_folds_only_adjacent_checks_of_one_pass() -> None:
    first, second = _shared({}), _shared({})
    a = _rule("x/a", api.SharedCheck("x/a", first))
    b = _rule("x/b", api.SharedCheck("x/b", first))
    c = _rule("x/c", lambda obj: iter(()))
    d = _rule("x/d", api.SharedCheck("x/d", first))
    e = _rule("x/e", api.SharedCheck("x/e", second))
    f = _rule("x/f", api.SharedCheck("x/f", second))
    steps = plan_steps([a, b, c, d, e, f])
    assert [members or active for active, _, _, members in steps] == [[a, b], c, d, [e, f]]
    assert plan_steps([d]) == [(d, d.fn, True, None)]  # one check alone is called as it is
    # a check of the target alone is called without its wrapper
    assert isinstance(c.fn, api.TargetOnly) and steps[1] == (c, c.fn.check, False, None)


def test_the_shared_pass_runs_once_per_object_and_each_rule_gets_its_share() -> None:
    calls: list[str] = []

    def shared(obj: KubeObject, ctx: api.Context) -> Mapping[str, Sequence[api.Violation]]:
        calls.append(obj.name)
        return {"x/r0": [api.Violation(("data",), "zero")], "x/r2": [api.Violation(("data", "a"), "two")]}

    rules = [_rule(f"x/r{i}", api.SharedCheck(f"x/r{i}", shared)).rule for i in range(3)]
    engine = Engine(Selection(), Registry(rules, check_docs=False))
    text = CONFIG + "---\n" + CONFIG.replace("name: settings", "name: other")
    result = engine.scan_docs(yamlload.parse(text, "cm.yaml"), "cm.yaml", True)
    assert calls == ["settings", "other"]
    assert [(f.rule_id, f.message, f.path) for f in result.findings][:2] == [("x/r0", "zero", "data"),
                                                                               ("x/r2", "two", "data.a")]
    assert len(result.findings) == 4


def test_a_member_that_fails_stops_no_other_member() -> None:
    def broken() -> Iterator[api.Violation]:
        raise ShapeError(("data", "b"), "expected a string, got an integer")
        yield

    def shared(obj: KubeObject, ctx: api.Context) -> Mapping[str, Iterable[api.Violation]]:
        return {"x/r0": [api.Violation(("data",), "zero")], "x/r1": broken(),
                "x/r2": [api.Violation(("data", "a"), "two")]}

    rules = [_rule(f"x/r{i}", api.SharedCheck(f"x/r{i}", shared)).rule for i in range(3)]
    engine = Engine(Selection(), Registry(rules, check_docs=False))
    result = engine.scan_docs(yamlload.parse(CONFIG, "cm.yaml"), "cm.yaml", True)
    assert [f.rule_id for f in result.findings] == ["x/r0", "x/r2"]
    assert [e.message for e in result.errors] == [
        "ConfigMap/settings: data.b: expected a string, got an integer"]


GITLAB = "glpat-" + "Qw7Er9Ty2Ui4Op6As8Df"
WORKLOAD = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    podwarden.io/ignore: credentials/github-token:web
spec:
  selector:
    matchLabels: {{app: app}}
  template:
    metadata:
      labels: {{app: app}}
    spec:
      volumes:
        - name: {GITLAB}
          hostPath: {{path: /var/data}}
      containers:
        - name: 5
          image: nginx:1.25
          env:
            - name: GH
              value: {GITHUB}
            - name: GL
              value: {GITLAB}
"""


def test_a_failing_ignore_entry_loses_no_later_rules_finding_and_hides_every_credential() -> None:
    """An ignore entry naming a container, on a pod whose container name is no string,
    fails while github-token's finding is placed; gitlab-token, later in the same shared
    run, still reports, and its token is still hidden in another rule's message."""
    result = Engine(Selection()).scan_docs(yamlload.parse(WORKLOAD, "app.yaml"), "app.yaml", True)
    rules = {f.rule_id for f in result.findings}
    assert {"credentials/gitlab-token", "pss/volume-types"} <= rules
    text = " ".join([*(f.message + f.path for f in result.findings), *(e.message for e in result.errors)])
    assert GITLAB not in text and GITHUB not in text
    assert any("containers[0].name: expected a string" in e.message for e in result.errors)


def test_a_failing_shared_pass_is_one_error_naming_the_first_rule() -> None:
    def failing(obj: Any, ctx: api.Context) -> Mapping[str, Sequence[api.Violation]]:
        raise KeyError("boom")

    rules = [_rule(f"x/r{i}", api.SharedCheck(f"x/r{i}", failing)).rule for i in range(3)]
    engine = Engine(Selection(), Registry(rules, check_docs=False))
    result = engine.scan_docs(yamlload.parse(CONFIG, "cm.yaml"), "cm.yaml", True)
    assert [e.message for e in result.errors] == ["rule x/r0 failed on ConfigMap/settings: KeyError"]
    assert not result.findings
