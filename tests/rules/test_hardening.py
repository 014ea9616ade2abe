"""The hardening family beyond its fixtures: per-violation severities, the capability
allowlist, the guide's example pods, and the edit lists each fixer yields (applied back to
the object, they must clear the finding)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from podwarden.engine import Engine, Selection
from podwarden.fix.jsonpatch import PatchBuilder
from podwarden.model.edits import Edit
from podwarden.rules.api import Context, KubeObject, Rule, Severity, Violation
from podwarden.rules.registry import default_registry
from tests.conftest import ROOT

REGISTRY = default_registry()


def rule_(slug: str) -> Rule:
    found = REGISTRY.get(f"hardening/{slug}")
    assert found is not None, slug
    return found


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {**spec, "containers": list(containers)},
    }


def container(name: str = "app", **sc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": "img:1"}
    if sc:
        out["securityContext"] = sc
    return out


def violations(slug: str, data: dict[str, Any], ctx: Context | None = None) -> list[Violation]:
    r = rule_(slug)
    view = KubeObject(data).pod
    assert view is not None
    return list(r.variants[-1].fn(view, ctx or Context()))


def fixes(slug: str, data: dict[str, Any], **options: Any) -> list[list[Edit]]:
    """The edits the rule's fixer yields for each violation, in order."""
    r = rule_(slug)
    assert r.fixer is not None
    ctx = Context(fix_options=options)
    view = KubeObject(data).pod
    return [list(r.fixer(view, v, ctx)) for v in violations(slug, data, ctx)]


def apply(data: dict[str, Any], edits: list[Edit]) -> dict[str, Any]:
    builder = PatchBuilder(data)
    builder.apply_all(edits)
    result: dict[str, Any] = builder.document
    return result


def fix_and_recheck(slug: str, data: dict[str, Any], **options: Any) -> list[Violation]:
    edits = [e for group in fixes(slug, data, **options) for e in group]
    return violations(slug, apply(copy.deepcopy(data), edits), Context(fix_options=options))


# -- severities --------------------------------------------------------------------------


def test_added_capabilities_each_has_its_own_severity() -> None:
    data = pod(container(capabilities={"drop": ["ALL"], "add": [
        "SYS_ADMIN", "net_admin", "CAP_SYS_TIME", "NET_BIND_SERVICE", "MADE_UP"]}))
    got = [(v.path[-1], v.severity) for v in violations("added-capabilities", data)]
    assert got == [(0, Severity.CRITICAL), (1, Severity.HIGH), (2, Severity.MEDIUM),
                   (3, Severity.LOW), (4, Severity.MEDIUM)]
    messages = [v.message for v in violations("added-capabilities", data)]
    assert messages[1].startswith('container "app" adds capability "net_admin": ')


def test_added_capabilities_allowlist_accepts_string_and_rejects_garbage() -> None:
    data = pod(container(capabilities={"add": ["NET_ADMIN", "SYS_TIME"]}))
    ctx = Context(settings={"hardening/added-capabilities": {"allow": "net_admin, CAP_SYS_TIME"}})
    assert violations("added-capabilities", data, ctx) == []
    bad = Context(settings={"hardening/added-capabilities": {"allow": {"NET_ADMIN": True}}})
    with pytest.raises(ValueError, match="allow"):
        violations("added-capabilities", data, bad)


def test_run_as_user_zero_is_high_and_missing_identity_medium() -> None:
    data = pod(container("root", runAsUser=0), container("unknown"))
    got = {(v.message.split('"')[1] if '"' in v.message else "pod", v.severity)
           for v in violations("run-as-root", data)}
    assert got == {("root", Severity.HIGH), ("unknown", None)}
    assert rule_("run-as-root").severity is Severity.MEDIUM


def test_writable_host_path_is_critical_for_system_directories_only() -> None:
    volumes = [{"name": n, "hostPath": {"path": p}} for n, p in
               (("root", "/"), ("etc", "/etc/kubernetes"), ("run", "/run/agent"), ("logs", "/var/log"))]
    mounts = [{"name": v["name"], "mountPath": f"/m/{v['name']}"} for v in volumes]
    data = pod({"name": "agent", "image": "a:1", "volumeMounts": mounts}, volumes=volumes)
    got = [v.severity for v in violations("writable-host-path", data)]
    assert got == [Severity.CRITICAL, Severity.CRITICAL, None, None]


def test_engine_places_violation_severity_and_config_override_wins(tmp_path: Path) -> None:
    example = ROOT / "examples" / "aks-guide-example-pod.yaml"
    result = Engine(Selection(only=frozenset({"hardening/added-capabilities"}))).run([str(example)])
    assert [(f.message.split('"')[3], f.severity) for f in result.findings] == [
        ("NET_ADMIN", Severity.HIGH), ("SYS_TIME", Severity.MEDIUM)]
    selection = Selection(only=frozenset({"hardening/added-capabilities"}),
                          settings={"hardening/added-capabilities": {"severity": "low"}})
    assert {f.severity for f in Engine(selection).run([str(example)]).findings} == {Severity.LOW}


# -- the guide's example pods ------------------------------------------------------------


def test_guide_example_reports_its_capabilities_and_hardened_example_is_clean() -> None:
    engine = Engine(Selection(only=frozenset({"hardening"})))
    raw = engine.run([str(ROOT / "examples" / "aks-guide-example-pod.yaml")])
    caps = sorted(f.message for f in raw.findings if f.rule_id == "hardening/added-capabilities")
    assert len(caps) == 2 and '"NET_ADMIN"' in caps[0] and '"SYS_TIME"' in caps[1]
    # the guide's pod sets runAsUser and no privilege escalation: those points are met
    rules = {f.rule_id for f in raw.findings}
    assert "hardening/run-as-root" not in rules and "hardening/privilege-escalation" not in rules
    hardened = engine.run([str(ROOT / "examples" / "aks-guide-example-pod-hardened.yaml")])
    assert not hardened.errors and hardened.findings == []


def test_windows_pods_skip_linux_only_rules_but_not_the_others() -> None:
    data = pod(container(capabilities={"add": ["SYS_ADMIN"]}, runAsUser=0),
               os={"name": "windows"}, securityContext={"privileged": True})
    linux_only = ("run-as-root", "root-group", "privilege-escalation", "capabilities-not-dropped",
                  "added-capabilities", "seccomp-unconfined", "read-only-root-filesystem")
    for slug in linux_only:
        assert violations(slug, data) == [], slug
    assert len(violations("container-field-at-pod-level", data)) == 1
    assert len(violations("automounted-service-account-token", data)) == 1


def test_shape_errors_surface_as_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n"
                   "    runAsUser: '1000'\n  containers:\n    - name: a\n      image: i\n")
    result = Engine(Selection(only=frozenset({"hardening/run-as-root"}))).run([str(bad)])
    assert [e.line for e in result.errors] == [6]


# -- fixers: declared safety --------------------------------------------------------------


def test_fix_safety_is_declared_as_documented() -> None:
    safe = {r.slug for r in REGISTRY if r.family == "hardening" and r.fixer and r.fix_safe}
    unsafe = {r.slug for r in REGISTRY if r.family == "hardening" and r.fixer and not r.fix_safe}
    assert safe == {"privilege-escalation", "capabilities-not-dropped", "seccomp-unconfined"}
    assert {"run-as-root", "read-only-root-filesystem", "automounted-service-account-token",
            "container-field-at-pod-level", "fs-group-missing"} <= unsafe
    assert rule_("added-capabilities").fixer is None  # removing a capability can break the app


# -- fixers: edit lists ---------------------------------------------------------------------


def test_privilege_escalation_fix() -> None:
    data = pod(container("unset"), container("on", allowPrivilegeEscalation=True),
               container("priv", privileged=True), container("admin", capabilities={"add": ["SYS_ADMIN"]}))
    unset = ("spec", "containers", 0, "securityContext", "allowPrivilegeEscalation")
    on = ("spec", "containers", 1, "securityContext", "allowPrivilegeEscalation")
    assert fixes("privilege-escalation", data) == [[Edit.set(unset, False)], [], [], []]
    assert fixes("privilege-escalation", data, unsafe=True)[:2] == [[Edit.set(unset, False)],
                                                                    [Edit.set(on, False)]]
    remaining = fix_and_recheck("privilege-escalation", data, unsafe=True)
    assert [v.path[2] for v in remaining] == [2, 3]  # the API server forbids false for these


def test_capabilities_fix_only_for_non_root_and_keeps_low_port() -> None:
    web = container("web", runAsUser=101)
    web["ports"] = [{"containerPort": 80}]
    data = pod(web, container("root"), container("priv", runAsUser=5, privileged=True))
    sc = ("spec", "containers", 0, "securityContext")
    assert fixes("capabilities-not-dropped", data) == [
        [Edit.set((*sc, "allowPrivilegeEscalation"), False),
         Edit.add((*sc, "capabilities", "drop"), "ALL"),
         Edit.add((*sc, "capabilities", "add"), "NET_BIND_SERVICE")],
        [],
        [],
    ]
    root_sc = ("spec", "containers", 1, "securityContext")
    assert fixes("capabilities-not-dropped", data, unsafe=True)[1] == [
        Edit.set((*root_sc, "allowPrivilegeEscalation"), False),
        Edit.add((*root_sc, "capabilities", "drop"), "ALL")]
    assert [v.path[2] for v in fix_and_recheck("capabilities-not-dropped", data)] == [1, 2]


def test_capabilities_fix_keeps_existing_drop_items_and_no_extra_capability() -> None:
    data = pod(container("web", runAsNonRoot=True, allowPrivilegeEscalation=False,
                         capabilities={"drop": ["NET_RAW"], "add": ["NET_BIND_SERVICE"]}))
    data["spec"]["containers"][0]["ports"] = [{"containerPort": 443}]
    (edits,) = fixes("capabilities-not-dropped", data)
    assert edits == [Edit.add(("spec", "containers", 0, "securityContext", "capabilities", "drop"), "ALL")]
    fixed = apply(data, edits)
    assert fixed["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"] == ["NET_RAW", "ALL"]


def test_seccomp_fix_writes_pod_level_once_and_leaves_explicit_choices() -> None:
    data = pod(container("a"), container("b"), container("c", seccompProfile={"type": "Unconfined"}))
    pod_type = ("spec", "securityContext", "seccompProfile", "type")
    c_type = ("spec", "containers", 2, "securityContext", "seccompProfile", "type")
    assert fixes("seccomp-unconfined", data) == [
        [Edit.set(pod_type, "RuntimeDefault")], [Edit.set(pod_type, "RuntimeDefault")], []]
    assert fixes("seccomp-unconfined", data, unsafe=True)[2] == [Edit.set(c_type, "RuntimeDefault")]
    assert fix_and_recheck("seccomp-unconfined", data, unsafe=True) == []
    explicit = pod(container("a"), securityContext={"seccompProfile": {"type": "Unconfined"}})
    assert fixes("seccomp-unconfined", explicit) == [[]]


def test_run_as_root_fix_needs_the_user_for_explicit_root() -> None:
    data = pod(container("a"), container("b", runAsUser=0))
    non_root = ("spec", "securityContext", "runAsNonRoot")
    b_user = ("spec", "containers", 1, "securityContext", "runAsUser")
    assert fixes("run-as-root", data) == [[], [Edit.set(non_root, True)]]
    assert fixes("run-as-root", data, run_as_user="10001") == [
        [Edit.set(b_user, 10001)],
        [Edit.set(non_root, True), Edit.set(("spec", "securityContext", "runAsUser"), 10001)]]
    assert fix_and_recheck("run-as-root", data, run_as_user=10001) == []
    assert fixes("run-as-root", data, run_as_user=0)[0] == []  # never writes root
    explicit_false = pod(container("a", runAsNonRoot=False))
    assert fixes("run-as-root", explicit_false) == [
        [Edit.set(("spec", "containers", 0, "securityContext", "runAsNonRoot"), True)]]


def test_group_fixers_use_the_given_or_pod_group() -> None:
    data = pod(container("a"))
    assert fixes("root-group", data) == [[]]
    assert fixes("root-group", data, run_as_group=3000) == [
        [Edit.set(("spec", "securityContext", "runAsGroup"), 3000)]]
    disk = pod({"name": "db", "image": "db:1", "volumeMounts": [{"name": "d", "mountPath": "/d"}]},
               volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "d"}}],
               securityContext={"runAsUser": 999, "runAsGroup": 999})
    fs_group = ("spec", "securityContext", "fsGroup")
    assert fixes("fs-group-missing", disk) == [[Edit.set(fs_group, 999)]]
    assert fixes("fs-group-missing", disk, fs_group=2000) == [[Edit.set(fs_group, 2000)]]
    assert fix_and_recheck("fs-group-missing", disk) == []


def test_container_field_at_pod_level_fix_moves_the_value() -> None:
    data = pod(container("a"), container("b", readOnlyRootFilesystem=False),
               securityContext={"readOnlyRootFilesystem": True, "runAsNonRoot": True})
    data["spec"]["initContainers"] = [container("init")]
    (edits,) = fixes("container-field-at-pod-level", data)
    assert edits == [
        Edit.set(("spec", "initContainers", 0, "securityContext", "readOnlyRootFilesystem"), True),
        Edit.set(("spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"), True),
        Edit.remove(("spec", "securityContext", "readOnlyRootFilesystem")),
    ]
    fixed = apply(data, edits)
    assert fixed["spec"]["securityContext"] == {"runAsNonRoot": True}
    assert fixed["spec"]["containers"][1]["securityContext"] == {"readOnlyRootFilesystem": False}


def test_simple_unsafe_fixers_clear_their_findings() -> None:
    volumes = [{"name": "logs", "hostPath": {"path": "/var/log"}}]
    cases = {
        "read-only-root-filesystem": pod(container("a"), container("b", readOnlyRootFilesystem=False)),
        "automounted-service-account-token": pod(container("a")),
        "writable-host-path": pod({"name": "a", "image": "i", "volumeMounts": [
            {"name": "logs", "mountPath": "/l", "readOnly": False}]}, volumes=volumes),
        "shared-process-namespace": pod(container("a"), shareProcessNamespace=True),
        "apparmor-unconfined": pod(container("a", appArmorProfile={"type": "Unconfined"})),
    }
    for slug, data in cases.items():
        assert violations(slug, data), slug
        assert fix_and_recheck(slug, data) == [], slug
    annotated = pod(container("a"))
    annotated["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/a": "unconfined"}
    assert fixes("apparmor-unconfined", annotated) == [[Edit.set(
        ("metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/a"),
        "runtime/default")]]
