"""Admission warnings and denials read like Pod Security Admission's: one line per rule
naming its containers, PSA's reason first, one hazard said once."""

from __future__ import annotations

from typing import Any

import pytest

from podwarden.engine import Finding
from podwarden.model.objects import ObjectRef
from podwarden.rules.api import Severity
from podwarden.rules.registry import default_registry
from podwarden.webhook.decide import Decision, Evaluator
from podwarden.webhook.policy import parse_config
from podwarden.webhook.verdict import warnings_within_limits
from podwarden.webhook.warnings import join_messages, warning_lines
from tests.webhook.conftest import admission, deployment

BARE = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "app"},
        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}
TWO = {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}


def decide(obj: dict[str, Any], defaults: dict[str, str] | None = None) -> Decision:
    evaluator = Evaluator(parse_config({"defaults": defaults or {}}))
    policy = evaluator.config.resolve("app", None)
    return evaluator.validate(admission(obj, namespace="app")["request"], policy)


def rule_of(warning: str) -> str:
    return warning.split(": ")[1]


def test_a_bare_pod_gets_one_line_per_rule_in_psa_words() -> None:
    warnings = decide(BARE).warnings
    assert len(warnings) == len({rule_of(w) for w in warnings}) == 7
    assert ('podwarden restricted:latest warning: pss/run-as-non-root: runAsNonRoot != true '
            '(container "nginx" must set runAsNonRoot=true (here or at pod level))') in warnings
    assert ('podwarden restricted:latest warning: pss/allow-privilege-escalation: '
            'allowPrivilegeEscalation != false (container "nginx" must set allowPrivilegeEscalation=false)'
            ) in warnings
    # a rule without PSA's wording says its message alone
    assert ('podwarden hardening warning: hardening/read-only-root-filesystem: '
            'container "nginx" must set readOnlyRootFilesystem=true') in warnings
    assert not any("spec.containers" in w for w in warnings)  # PSA's warnings name no paths


def test_two_containers_are_named_in_one_line_per_rule() -> None:
    warnings = decide(deployment(TWO)).warnings
    assert len(warnings) == len({rule_of(w) for w in warnings}) == 7
    assert ('podwarden restricted:latest warning: pss/run-as-non-root: runAsNonRoot != true '
            '(containers "a", "b" must set runAsNonRoot=true (here or at pod level))') in warnings
    assert ('podwarden hardening warning: hardening/root-group: containers "a", "b" set no runAsGroup '
            'and may run in the root group: set runAsGroup above 0 (here or at pod level)') in warnings


def _capabilities(privileged: bool = False) -> dict[str, Any]:
    b: dict[str, Any] = {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}}
    if privileged:
        b["privileged"] = True
    return {"containers": [
        {"name": "a", "image": "x", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}},
        {"name": "b", "image": "x", "securityContext": b}]}


def test_a_hazard_warned_twice_at_one_field_is_one_line() -> None:
    # a workload: baseline's capability check would deny; hardening's and restricted's
    # findings at the same capabilities.add entries are folded into its line
    warnings = decide(deployment(_capabilities()), {"warn": "baseline"}).warnings
    denied = [w for w in warnings if "would be denied" in w]
    assert denied == ['podwarden baseline:latest would be denied: pss/non-default-capabilities: '
                      'non-default capabilities (containers "a", "b" must not add capability "NET_ADMIN"; '
                      'container "b" must not add capability "SYS_TIME"); also hardening/added-capabilities']
    assert not any(rule_of(w) == "hardening/added-capabilities" for w in warnings)


def test_a_warning_about_a_denied_field_is_not_repeated() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "net", "namespace": "app"},
           "spec": _capabilities()}
    decision = decide(pod)
    assert not decision.allowed
    assert not any(rule_of(w) == "hardening/added-capabilities" for w in decision.warnings)
    # restricted's capability check still warns about what the denial does not say (drop ALL)
    caps = [w for w in decision.warnings if rule_of(w) == "pss/unrestricted-capabilities"]
    assert caps == ['podwarden restricted:latest warning: pss/unrestricted-capabilities: unrestricted '
                    'capabilities (containers "a", "b" must set capabilities.drop=["ALL"])']
    assert "hardening/added-capabilities" in decision.rules  # the decision log still names it


def test_denials_list_every_violation_grouped_by_rule() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "net", "namespace": "app"},
           "spec": _capabilities(privileged=True)}
    lines = decide(pod).message.splitlines()
    assert lines == [
        'Pod "net" is forbidden by podwarden (enforce baseline:latest; 4 violations):',
        '- pss/non-default-capabilities: containers "a", "b" must not add capability "NET_ADMIN"; '
        'container "b" must not add capability "SYS_TIME" (spec.containers[0].securityContext.capabilities.add[0], '
        "spec.containers[1].securityContext.capabilities.add[0], "
        "spec.containers[1].securityContext.capabilities.add[1])",
        '- pss/privileged: container "b" must not set privileged=true (spec.containers[1].securityContext.privileged)',
    ]


@pytest.mark.parametrize(("messages", "said"), [
    (['container "a" must set x=1', 'container "b" must set x=1'], 'containers "a", "b" must set x=1'),
    (['container "a" must set x=1', 'init container "i" must set x=1', 'container "a" must set x=1'],
     'container "a" must set x=1; init container "i" must set x=1'),
    (['container "a" sets y', 'container "b" sets y', "pod must not set z"],
     'containers "a", "b" set y; pod must not set z'),
    (['container "a" has z', 'container "b" has z'], 'containers "a", "b" have z'),
    (['container "a" must not add capability "X"', 'container "a" must not add capability "Y"'],
     'container "a" must not add capability "X"; container "a" must not add capability "Y"'),
])
def test_messages_about_containers_are_joined(messages: list[str], said: str) -> None:
    assert join_messages(messages) == said


def _finding(rule: str, path: str, severity: Severity = Severity.MEDIUM) -> Finding:
    return Finding(rule, severity, 'container "a" must do it', "<admission>", 1, 1,
                   ObjectRef("v1", "Pod", "app", "p"), path)


def test_the_strongest_warning_of_a_hazard_is_kept() -> None:
    registry = default_registry()
    path = "spec.containers[0].securityContext.capabilities.add[0]"
    hardening = _finding("hardening/added-capabilities", path)
    restricted = _finding("pss/unrestricted-capabilities", path, Severity.HIGH)
    # hardening is found first (family lenses come before PSS warn), PSS is stronger
    lines = warning_lines([("hardening", "warning", hardening), ("restricted:latest", "warning", restricted)],
                          [], registry)
    assert lines == ['podwarden restricted:latest warning: pss/unrestricted-capabilities: unrestricted '
                     'capabilities (container "a" must do it); also hardening/added-capabilities']
    # another field: both said
    elsewhere = _finding("hardening/added-capabilities", path.replace("add[0]", "add[1]"))
    assert len(warning_lines([("hardening", "warning", elsewhere), ("restricted:latest", "warning", restricted)],
                             [], registry)) == 2


def test_limits_of_the_api_server_still_hold() -> None:
    many = [f"podwarden hardening warning: rule/{i}: " + "x" * 400 for i in range(30)]
    kept = warnings_within_limits(many)
    assert all(len(w) <= 256 for w in kept) and sum(map(len, kept)) <= 4096
    assert kept[-1] == f"podwarden: {30 - (len(kept) - 1)} more warning(s) not shown"
