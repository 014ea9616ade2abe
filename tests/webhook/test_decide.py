"""The evaluator's single pass: the same findings as one engine per level, version and family,
and no garbage left for the cyclic collector (whose runs were the webhook's longest pauses)."""

from __future__ import annotations

import gc
import json
import time
from typing import Any

import pytest

from podwarden.engine import Engine, object_problem
from podwarden.load import yaml as yamlload
from podwarden.rules.api import Level
from podwarden.webhook.decide import MAX_ROUTES, Evaluator
from podwarden.webhook.policy import FAMILIES, Mode, NamespacePolicy, parse_config
from podwarden.webhook.review import AdmissionRequest
from tests.conftest import FIXTURES, SHARED
from tests.webhook.conftest import admission, pod

POLICIES = {
    "default": {},
    "mixed versions": {"defaults": {"enforce": "baseline", "enforce-version": "v1.25",
                                    "audit": "restricted", "audit-version": "v1.30",
                                    "hardening": "warn", "credentials": "enforce"}},
    "restricted only": {"defaults": {"enforce": "restricted", "enforce-version": "v1.33",
                                     "warn": "privileged", "audit": "privileged", "hardening": "off",
                                     "credentials": "off", "identity": "off", "vault": "off"}},
}


def _objects() -> list[tuple[str, dict[str, Any]]]:
    files = sorted(FIXTURES.rglob("*.yaml"))
    files += sorted((SHARED / "conformance" / "pss" / "restricted" / "v1.35" / "fail").glob("*.yaml"))
    out = []
    for path in files:
        for doc in yamlload.parse(path.read_text(), str(path)):
            for _, data in yamlload.iter_objects(doc):
                if not object_problem(data):
                    out.append((str(path.relative_to(path.parents[2])), data))
    return out


def _engines(evaluator: Evaluator, policy: NamespacePolicy) -> list[Engine]:
    engines = [evaluator.engine(lv.level, lv.version, ["pss"])
               for lv in (policy.enforce, policy.warn, policy.audit) if lv.level is not Level.PRIVILEGED]
    families = [f for f in FAMILIES if policy.family_mode(f) is not Mode.OFF]
    if families:
        engines.append(evaluator.engine(Level.RESTRICTED, None, families))
    return engines


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_one_pass_finds_what_separate_engines_find(name: str) -> None:
    evaluator = Evaluator(parse_config(POLICIES[name]))
    policy = evaluator.config.resolve("app", None)
    engines = _engines(evaluator, policy)
    objects = _objects()
    assert len(objects) > 150
    compared = 0
    for where, data in objects:
        together = evaluator._findings_of(data, engines)
        for engine in engines:
            out = engine.evaluate_object(data, "<admission>")
            # the webhook does not honour podwarden.io/ignore unless configured to
            alone = [*out.findings, *(s.finding for s in out.suppressed)]
            assert together[id(engine)] == alone, (where, engine.selection)
            compared += len(alone)
    assert compared > 100  # the fixtures do fail: the comparison is not of empty lists


def test_validation_leaves_no_cyclic_garbage() -> None:
    evaluator = Evaluator(parse_config({}))
    policy = evaluator.config.resolve("app", None)
    obj = pod()
    obj["spec"]["containers"][0]["securityContext"]["privileged"] = True
    request: AdmissionRequest = admission(obj)["request"]
    assert not evaluator.validate(request, policy).allowed  # warm: engines built
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            evaluator.validate(request, policy)
            evaluator.mutate(request, policy, None)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()



def _replica(obj: dict[str, Any], n: int) -> dict[str, Any]:
    """``obj`` as the API server stores the n-th replica: its own name, uid, timestamps."""
    copy = json.loads(json.dumps(obj))
    meta = copy.setdefault("metadata", {})
    meta.update(name=f"{meta.get('name', 'obj')}-{n}x7k2", uid=f"00000000-0000-4000-8000-{n:012d}",
                creationTimestamp=f"2026-11-28T10:00:{n:02d}Z", resourceVersion=str(1000 + n),
                managedFields=[{"manager": "kube-controller-manager", "operation": "Update",
                                "time": f"2026-11-28T10:00:{n:02d}Z"}])
    return copy


def _decided(evaluator: Evaluator, obj: dict[str, Any]) -> tuple[Any, ...]:
    policy = evaluator.config.resolve("app", None)
    d = evaluator.validate(admission(obj, namespace="app")["request"], policy)
    return d.allowed, d.message, d.warnings, d.audit, d.rules


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_replicas_share_one_evaluation_and_get_what_evaluation_gives(name: str) -> None:
    cached = Evaluator(parse_config(POLICIES[name]))
    fresh = Evaluator(parse_config(POLICIES[name]), cache_size=0)
    objects = [data for _, data in _objects()]
    for data in objects:
        _decided(cached, _replica(data, 1))
    misses, hits = cached.cache.misses, cached.cache.hits
    assert misses > 150  # (a few fixtures are the same object)
    denied = 0
    for data in objects:
        second = _replica(data, 2)
        answer = _decided(cached, second)
        assert answer == _decided(fresh, second)  # names the second replica, as evaluation does
        denied += not answer[0]
    assert cached.cache.misses == misses  # every replica came from the cache
    assert cached.cache.hits == hits + len(objects)
    assert fresh.cache.hits == fresh.cache.misses == 0
    assert denied > 0 or name == "restricted only"


def test_a_changed_field_is_evaluated_again() -> None:
    evaluator = Evaluator(parse_config({}))
    obj = pod()
    assert _decided(evaluator, obj)[0] is True
    changed = json.loads(json.dumps(obj))
    changed["spec"]["containers"][0]["securityContext"]["privileged"] = True
    assert _decided(evaluator, changed)[0] is False
    annotated = json.loads(json.dumps(obj))
    annotated["metadata"]["annotations"] = {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
    assert _decided(evaluator, annotated)[0] is False
    assert evaluator.cache.misses == 3 and evaluator.cache.hits == 0


def test_cache_keeps_the_most_recently_used() -> None:
    evaluator = Evaluator(parse_config({}), cache_size=2)
    a, b, c = pod("a", hostname="a"), pod("b", hostname="b"), pod("c", hostname="c")
    for obj in (a, b, a, c):  # c evicts b, the least recently used
        _decided(evaluator, obj)
    assert (evaluator.cache.hits, evaluator.cache.misses) == (1, 3)
    _decided(evaluator, a)
    _decided(evaluator, b)
    assert (evaluator.cache.hits, evaluator.cache.misses) == (2, 4)


def _capabilities_kept() -> dict[str, Any]:
    obj = pod()
    del obj["spec"]["containers"][0]["securityContext"]["capabilities"]
    return obj


@pytest.mark.parametrize(("defaults", "expected"), [
    # restricted warns: its capabilities check says it; hardening's "drop ALL" stays quiet
    ({}, {"pss/unrestricted-capabilities": "warning"}),
    # restricted only audited: the hardening warning is the only one the user would see
    ({"warn": "privileged"}, {"pss/unrestricted-capabilities": "audit",
                              "hardening/capabilities-not-dropped": "warning"}),
    # hardening enforced: it denies, whatever restricted's mode; restricted's warning about
    # the same field says nothing more and is folded into the denial (still audited)
    ({"hardening": "enforce"}, {"pss/unrestricted-capabilities": "audit",
                                "hardening/capabilities-not-dropped": "deny"}),
    # the version pinned before restricted checked capabilities (v1.22): hardening speaks
    ({"warn-version": "v1.21", "audit-version": "v1.21"}, {"hardening/capabilities-not-dropped": "warning"}),
])
def test_one_hazard_is_reported_once_in_the_loudest_mode(defaults: dict[str, str], expected: dict[str, str]) -> None:
    evaluator = Evaluator(parse_config({"defaults": defaults}))
    policy = evaluator.config.resolve("app", None)
    decision = evaluator.validate(admission(_capabilities_kept(), namespace="app")["request"], policy)
    said = {}
    for rule in ("pss/unrestricted-capabilities", "hardening/capabilities-not-dropped"):
        places = [where for where, texts in (("deny", [decision.message]), ("warning", decision.warnings),
                                             ("audit", list(decision.audit.values())))
                  if any(rule in text for text in texts)]
        if places:
            said[rule] = places[0]
    assert said == expected
    assert sorted(expected) == [r for r in decision.rules if r in said]


def test_mutation_says_what_to_check_after_setting_run_as_non_root() -> None:
    evaluator = Evaluator(parse_config({"defaults": {"mutate": "true", "enforce": "restricted"}}))
    policy = evaluator.config.resolve("app", None)
    bare = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "app"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    decision = evaluator.mutate(admission(bare, namespace="app")["request"], policy, None)
    assert any(op["path"] == "/spec/securityContext" and op["value"].get("runAsNonRoot") is True
               for op in decision.patch)
    cautions = [w for w in decision.warnings if w.startswith("podwarden: default set for pss/run-as-non-root:")]
    assert len(cautions) == 1 and "refuses to start a container whose image runs as root" in cautions[0]
    # nothing set, nothing to check
    hardened = evaluator.mutate(admission(pod(), namespace="app")["request"], policy, None)
    assert not any("run-as-non-root" in w for w in hardened.warnings)


def test_a_verdict_reached_after_the_deadline_is_not_cached() -> None:
    # its request was answered by the failure mode: the next replica must be evaluated too
    evaluator = Evaluator(parse_config({}))
    policy = evaluator.config.resolve("app", None)
    late = admission(_replica(pod(), 1), namespace="app")["request"]
    evaluator.validate(late, policy, deadline=time.perf_counter() - 1)
    on_time = admission(_replica(pod(), 2), namespace="app")["request"]
    evaluator.validate(on_time, policy, deadline=time.perf_counter() + 60)
    evaluator.validate(admission(_replica(pod(), 3), namespace="app")["request"], policy)
    assert (evaluator.cache.hits, evaluator.cache.misses) == (1, 1)


def test_denials_list_at_most_fifty_violations_and_count_them_all() -> None:
    evaluator = Evaluator(parse_config({}))
    policy = evaluator.config.resolve("app", None)
    many = pod()
    many["spec"]["containers"] = [{"name": f"c{i}", "image": "x", "securityContext": {"privileged": True}}
                                  for i in range(120)]
    decision = evaluator.validate(admission(many, namespace="app")["request"], policy)
    lines = decision.message.splitlines()
    assert "(enforce baseline:latest; 120 violations)" in lines[0]
    # the first fifty in one line for their rule, each container and field named
    assert len(lines) == 1 + 1 + 1 and lines[-1] == "- ... 70 more violation(s) not shown"
    assert lines[1].startswith('- pss/privileged: containers "c0", "c1", ') and '"c49" must not set' in lines[1]
    assert '"c50"' not in lines[1] and lines[1].count("securityContext.privileged") == 50


def test_warnings_fit_what_the_api_server_passes_on() -> None:
    # it cuts each warning at 256 characters and drops them all past 4,096 in total
    evaluator = Evaluator(parse_config({}))
    policy = evaluator.config.resolve("app", None)
    wide = pod()
    wide["spec"]["containers"] = [{"name": f"container-with-a-long-name-{i:02d}" * 3, "image": "x"} for i in range(6)]
    warnings = evaluator.validate(admission(wide, namespace="app")["request"], policy).warnings
    assert all(len(w) <= 256 for w in warnings) and sum(map(len, warnings)) <= 4096
    # one line per rule: six containers' names make lines long, not many (clipped at 256)
    assert len({w.split(": ")[1] for w in warnings}) == len(warnings) > 1
    assert any(w.endswith("...") and len(w) == 256 for w in warnings)


def test_the_denial_heading_names_only_what_denies() -> None:
    evaluator = Evaluator(parse_config({"defaults": {"credentials": "enforce"}}))
    policy = evaluator.config.resolve("app", None)
    privileged = pod()
    privileged["spec"]["containers"][0]["securityContext"]["privileged"] = True
    message = evaluator.validate(admission(privileged, namespace="app")["request"], policy).message
    assert "(enforce baseline:latest; 1 violation)" in message.splitlines()[0]


def test_the_service_account_warning_only_when_injection_misses_something() -> None:
    from podwarden.fix.jsonpatch import apply_patch
    from podwarden.webhook import wi

    labelled = pod(serviceAccountName="api")
    labelled["metadata"]["labels"] = {"azure.workload.identity/use": "true"}
    tenant = "aaaaaaaa-2222-3333-4444-555555555555"
    evaluator = Evaluator(parse_config({}), wi_settings=wi.Settings(tenant_id=tenant))
    policy = evaluator.config.resolve("app", None)
    first = evaluator.mutate(admission(labelled, namespace="app")["request"], policy, None)
    assert first.patch and first.warnings == [
        "podwarden: service account not readable (no API access): AZURE_CLIENT_ID from its annotations not injected"]
    injected = apply_patch(labelled, first.patch)
    again = evaluator.mutate(admission(injected, namespace="app")["request"], policy, None)
    assert again.patch == [] and again.warnings == []


class _Forgetful(dict):  # type: ignore[type-arg]
    """A routes memo that keeps nothing: every verdict routed afresh."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_objects_with_the_same_findings_share_one_routing_and_get_what_routing_gives(name: str) -> None:
    shared = Evaluator(parse_config(POLICIES[name]), cache_size=0)
    fresh = Evaluator(parse_config(POLICIES[name]), cache_size=0)
    fresh._routes = _Forgetful()
    objects = [data for _, data in _objects()]
    for data in objects[:150]:  # fewer routings than the memo keeps
        _decided(shared, data)
    routed = len(shared._routes)
    assert 10 < routed < 150  # fixtures share findings (a clean pod has none)
    for data in reversed(objects[:150]):  # from the memo now: each the same as routed afresh
        assert _decided(shared, data) == _decided(fresh, data)
    assert len(shared._routes) == routed
    for data in objects:  # and the memo stays within its bound
        assert _decided(shared, data) == _decided(fresh, data)
        assert len(shared._routes) <= MAX_ROUTES


def test_a_shared_routing_still_names_each_object() -> None:
    evaluator = Evaluator(parse_config({}), cache_size=0)
    first, second = pod("web"), pod("api")
    for obj in (first, second):
        obj["spec"]["containers"][0]["securityContext"]["privileged"] = True
    second["spec"]["containers"][0]["env"] = [{"name": "MODE", "value": "fast"}]  # no rule minds it
    answers = [_decided(evaluator, obj) for obj in (first, second)]
    assert len(evaluator._routes) == 1
    assert answers[0][1].startswith('Pod "web" is forbidden') and answers[1][1].startswith('Pod "api" is forbidden')
    assert answers[0][1].split("\n")[1:] == answers[1][1].split("\n")[1:]
    assert answers[0][2:] == answers[1][2:]
