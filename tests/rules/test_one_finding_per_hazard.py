"""One finding per hazard (issue 15): no two findings of one object share field and hazard,
on the whole shared corpus, and --level baseline quietens what restricted-only checks say."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from podwarden.engine import Engine, Selection, merge_hazards
from podwarden.rules.api import Level
from podwarden.rules.registry import default_registry

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def hazard_keys(level: Level) -> tuple[Counter[tuple[str, int, str, str]], int, Counter[str]]:
    registry = default_registry()
    engine = Engine(Selection(level=level), registry)
    keys: Counter[tuple[str, int, str, str]] = Counter()
    rules: Counter[str] = Counter()
    findings = 0
    for fr in engine.iter_files([str(CORPUS)]):
        for o in fr.objects:
            for f in o.findings:
                r = registry.rules[f.rule_id]
                keys[(o.file, o.line, f.path, r.hazard or f.rule_id)] += 1
                rules[f.rule_id] += 1
                findings += 1
    return keys, findings, rules


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_no_two_findings_share_object_field_and_hazard_on_the_corpus() -> None:
    keys, restricted_total, _ = hazard_keys(Level.RESTRICTED)
    shared = [k for k, n in keys.items() if n > 1]
    assert not shared, f"{len(shared)} places with two findings for one hazard, e.g. {shared[:3]}"
    keys, baseline_total, rules = hazard_keys(Level.BASELINE)
    assert not [k for k, n in keys.items() if n > 1]
    # baseline leaves out restricted's checks, and the hardening rules repeating them
    assert not [r for r in rules if r in {"hardening/capabilities-not-dropped", "hardening/run-as-root",
                                          "hardening/seccomp-unconfined", "hardening/privilege-escalation"}]
    assert baseline_total < restricted_total * 0.8


def test_the_stronger_finding_is_kept_and_names_the_other() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {
               "capabilities": {"add": ["SYS_ADMIN", "SYS_CHROOT"], "drop": ["ALL"]},
               "seLinuxOptions": {"type": "spc_t"}}}]}}
    result = Engine(Selection(only=frozenset({"pss", "hardening"}))).evaluate_objects([("p.yaml", pod)])
    by_path = {f.path: f for f in result.findings if "capabilities.add" in f.path or "seLinux" in f.path}
    sys_admin = by_path["spec.containers[0].securityContext.capabilities.add[0]"]
    # hardening says critical for SYS_ADMIN, PSS high: the critical one stays, PSS is named
    assert (sys_admin.rule_id, str(sys_admin.severity), sys_admin.also) == (
        "hardening/added-capabilities", "critical", ("pss/unrestricted-capabilities",))
    chroot = by_path["spec.containers[0].securityContext.capabilities.add[1]"]
    # PSS says high, hardening low for a runtime default: PSS stays
    assert (chroot.rule_id, chroot.also) == ("pss/unrestricted-capabilities", ("hardening/added-capabilities",))
    selinux = [f for f in result.findings if "seLinuxOptions" in f.path]
    assert len(selinux) == 1 and selinux[0].also
    assert "also" in selinux[0].as_dict()


def test_merging_is_off_for_the_webhook_which_routes_each_rule_by_its_mode() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {
               "capabilities": {"add": ["NET_ADMIN"]}}}]}}
    engine = Engine(Selection(only=frozenset({"pss", "hardening"})))
    findings = engine.evaluate_object(pod).findings
    rules = {f.rule_id for f in findings if f.path.endswith("add[0]")}
    assert rules == {"pss/unrestricted-capabilities", "hardening/added-capabilities"}
    merged = merge_hazards(findings, engine.registry)
    assert len([f for f in merged if f.path.endswith("add[0]")]) == 1
