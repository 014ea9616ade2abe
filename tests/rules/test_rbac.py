"""The rbac family beyond its fixtures: severity by reach and by token, versions, the API
server's reconciliation and aggregation, subject matching, grouping, and the examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from podwarden.engine import Engine, Finding, Selection
from podwarden.load import yaml as yamlload
from podwarden.model.index import Index, binding_record, role_record
from podwarden.model.objects import KubeObject
from podwarden.rules.api import Context, Severity, Version
from podwarden.rules.rbac._resolve import grants_of, reaches, workload_hazards
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "rbac-secret-reader"

SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: shop\n"
READER = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list"]
"""


def binding(kind: str = "ClusterRoleBinding", role: str = "secret-reader", ns: str | None = None,
            subject: str = "  - kind: ServiceAccount\n    name: app\n    namespace: shop\n",
            name: str = "b", role_kind: str = "ClusterRole") -> str:
    meta = f"  name: {name}\n" + (f"  namespace: {ns}\n" if ns else "")
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n{meta}roleRef:\n"
            f"  apiGroup: rbac.authorization.k8s.io\n  kind: {role_kind}\n  name: {role}\nsubjects:\n{subject}")


def pod(extra: str = "", sa: str = "app", ns: str = "shop") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: {ns}\nspec:\n"
            f"  serviceAccountName: {sa}\n{extra}  containers:\n    - name: web\n      image: web:1\n")


def run(tmp_path: Path, *docs: str, version: str | None = None, only: str = "rbac") -> list[Finding]:
    path = tmp_path / "input.yaml"
    path.write_text("---\n".join(docs))
    selection = Selection(only=frozenset({only}), version=Version.parse(version) if version else None)
    result = Engine(selection).run([str(path)])
    assert not result.errors, [str(e) for e in result.errors]
    return result.findings


def rules_of(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule_id: f for f in findings if f.object.kind == "Pod"}


def test_cluster_wide_is_worse_than_namespaced(tmp_path: Path) -> None:
    cluster = rules_of(run(tmp_path, READER, binding(), pod()))["rbac/secret-read"]
    assert cluster.severity is Severity.HIGH and "cluster-wide" in cluster.message
    namespaced = rules_of(run(tmp_path, READER, binding("RoleBinding", ns="shop"), pod()))["rbac/secret-read"]
    assert namespaced.severity is Severity.MEDIUM and 'in namespace "shop"' in namespaced.message
    assert namespaced.path == "spec.serviceAccountName"


def test_role_binding_of_another_namespace_acts_there(tmp_path: Path) -> None:
    found = rules_of(run(tmp_path, READER, binding("RoleBinding", ns="billing"), pod()))
    assert 'in namespace "billing"' in found["rbac/secret-read"].message


@pytest.mark.parametrize("subject", [
    "  - kind: ServiceAccount\n    name: app\n    namespace: other\n",   # same name, other namespace
    "  - kind: ServiceAccount\n    name: app2\n    namespace: shop\n",
    "  - kind: User\n    name: system:serviceaccount:other:app\n",
    "  - kind: Group\n    name: app\n",
])
def test_subjects_that_are_not_the_account(tmp_path: Path, subject: str) -> None:
    assert rules_of(run(tmp_path, READER, binding(subject=subject), pod())) == {}


@pytest.mark.parametrize(("extra", "sa_doc", "reason"), [
    ("  automountServiceAccountToken: false\n", SA, "on the pod"),
    ("", SA + "automountServiceAccountToken: false\n", 'on service account "app"'),
])
def test_unmounted_token_is_low_with_the_reason(tmp_path: Path, extra: str, sa_doc: str, reason: str) -> None:
    f = rules_of(run(tmp_path, sa_doc, READER, binding(), pod(extra)))["rbac/secret-read"]
    assert f.severity is Severity.LOW
    assert f"token is not mounted (automountServiceAccountToken: false {reason})" in f.message


def test_pod_or_projected_token_overrides_the_service_account(tmp_path: Path) -> None:
    sa = SA + "automountServiceAccountToken: false\n"
    explicit = rules_of(run(tmp_path, sa, READER, binding(), pod("  automountServiceAccountToken: true\n")))
    assert explicit["rbac/secret-read"].severity is Severity.HIGH
    projected = ("  automountServiceAccountToken: false\n  volumes:\n    - name: t\n      projected:\n"
                 "        sources:\n          - serviceAccountToken:\n              path: token\n")
    assert rules_of(run(tmp_path, READER, binding(), pod(projected)))["rbac/secret-read"].severity is Severity.HIGH
    # a token for another audience (workload identity's) is not one for the API server
    azure = projected.replace("path: token", "path: token\n              audience: api://AzureADTokenExchange")
    assert rules_of(run(tmp_path, READER, binding(), pod(azure)))["rbac/secret-read"].severity is Severity.LOW


def test_one_finding_per_hazard_naming_every_binding(tmp_path: Path) -> None:
    findings = run(tmp_path, READER, binding(name="one"), binding("RoleBinding", ns="shop", name="two"), pod())
    secret = [f for f in findings if f.rule_id == "rbac/secret-read"]
    assert len(secret) == 1
    assert 'ClusterRoleBinding "one"' in secret[0].message and 'RoleBinding "shop/two"' in secret[0].message


def test_everything_subsumes_the_other_workload_rules(tmp_path: Path) -> None:
    found = rules_of(run(tmp_path, binding(role="cluster-admin"), pod()))
    assert set(found) == {"rbac/full-api-access"} and found["rbac/full-api-access"].severity is Severity.CRITICAL
    # everything in one namespace does not hide what reaches further
    wide = rules_of(run(tmp_path, READER, binding(), binding("RoleBinding", ns="shop", role="admin", name="a"),
                        binding("RoleBinding", ns="shop", role="cluster-admin", name="c"), pod()))
    assert wide["rbac/full-api-access"].severity is Severity.HIGH
    assert set(wide) == {"rbac/full-api-access", "rbac/secret-read"}


def test_builtin_edit_follows_the_version(tmp_path: Path) -> None:
    docs = (binding("RoleBinding", ns="shop", role="edit"), pod())
    assert "rbac/token-request" in rules_of(run(tmp_path, *docs, version="v1.30"))
    assert "rbac/token-request" not in rules_of(run(tmp_path, *docs, version="v1.23"))
    assert {"rbac/secret-read", "rbac/workload-create", "rbac/pod-exec", "rbac/escalation-verbs"} <= set(
        rules_of(run(tmp_path, *docs, version="v1.23")))
    # view reads no Secret, and edit and admin never add ephemeral containers
    assert rules_of(run(tmp_path, binding("RoleBinding", ns="shop", role="view"), pod())) == {}
    assert "ephemeral" not in rules_of(run(tmp_path, *docs))["rbac/pod-exec"].message


def test_aggregation_adds_labelled_roles_to_builtin_view(tmp_path: Path) -> None:
    extra = READER.replace("  name: secret-reader\n", "  name: crd-view\n  labels:\n"
                           '    rbac.authorization.k8s.io/aggregate-to-view: "true"\n')
    found = rules_of(run(tmp_path, extra, binding("RoleBinding", ns="shop", role="view"), pod()))
    assert "ClusterRole \"view\"" in found["rbac/secret-read"].message
    # edit includes view, admin includes edit: the same rule reaches them
    assert "rbac/secret-read" in rules_of(run(tmp_path, extra, binding(role="admin"), pod()))


def test_input_cannot_shrink_a_reconciled_builtin_role(tmp_path: Path) -> None:
    shrunk = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cluster-admin\n'
    rules = 'rules:\n  - apiGroups: [""]\n    resources: ["configmaps"]\n    verbs: ["get"]\n'
    assert "rbac/full-api-access" in rules_of(run(tmp_path, shrunk + rules, binding(role="cluster-admin"), pod()))
    pinned = shrunk + '  annotations:\n    rbac.authorization.kubernetes.io/autoupdate: "false"\n' + rules
    assert rules_of(run(tmp_path, pinned, binding(role="cluster-admin"), pod())) == {}


def test_resource_names_never_grant_create_and_lower_reads(tmp_path: Path) -> None:
    named = READER.replace('verbs: ["get", "list"]', 'verbs: ["get", "create"]\n    resourceNames: ["tls"]')
    f = rules_of(run(tmp_path, named, binding(), pod()))["rbac/secret-read"]
    assert f.severity is Severity.MEDIUM and "named objects only" in f.message
    pods = named.replace('["secrets"]', '["pods"]')
    assert "rbac/workload-create" not in rules_of(run(tmp_path, pods, binding(), pod()))


def test_shared_grants_are_reported_once_on_the_binding(tmp_path: Path) -> None:
    group = "  - kind: Group\n    name: system:serviceaccounts\n"
    findings = run(tmp_path, READER, binding(subject=group), pod(), pod(sa="other"), pod(sa="default"))
    assert [(f.rule_id, f.object.kind) for f in findings] == [("rbac/broad-grant", "ClusterRoleBinding")]
    assert findings[0].severity is Severity.HIGH
    assert "group system:serviceaccounts read Secrets cluster-wide" in findings[0].message


def test_rbac_kinds_of_other_api_groups_are_ignored(tmp_path: Path) -> None:
    crd = binding().replace("rbac.authorization.k8s.io/v1\nkind", "example.com/v1\nkind")
    assert run(tmp_path, READER, crd, pod()) == []


def test_malformed_rbac_objects_never_break_the_index() -> None:
    index = Index()
    index.add(KubeObject({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": "x"}, "rules": ["oops", {"verbs": "get"}]}), "f")
    index.add(KubeObject({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                          "metadata": {"name": "b"}, "roleRef": "x", "subjects": [1, {"kind": "Group"}]}), "f")
    assert index.role("ClusterRole", None, "x") is not None
    assert grants_of(index, "shop", "app", 30) == ()
    assert reaches(index, "shop", "app", 30) == {}


def test_records_keep_only_what_rules_read() -> None:
    role = role_record(KubeObject({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                                   "metadata": {"name": "r", "namespace": "shop", "annotations": {"a": "b"}},
                                   "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}))
    assert role.namespace == "shop" and len(role.rules) == 1 and role.autoupdate
    b = binding_record(KubeObject({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                   "metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"},
                                   "subjects": [{"kind": "ServiceAccount", "name": "app"}]}))
    assert (b.namespace, b.role_kind, b.role_name, b.subjects[0].namespace) == (None, "Role", "r", None)


def test_example_and_its_fixed_version() -> None:
    result = Engine(Selection(only=frozenset({"rbac"}))).run([str(EXAMPLE)])
    assert not result.errors
    assert [(Path(f.file).name, f.rule_id, str(f.severity)) for f in result.findings] == [
        ("invoice-renderer.yaml", "rbac/secret-read", "high")]
    # the fixed file is clean in every family
    fixed = Engine(Selection()).run([str(EXAMPLE / "invoice-renderer-fixed.yaml")])
    assert [(f.rule_id, f.message) for f in fixed.findings] == []


def test_default_account_grants_are_the_bindings_finding(tmp_path: Path) -> None:
    subject = "  - kind: ServiceAccount\n    name: default\n    namespace: shop\n"
    findings = run(tmp_path, READER, binding(subject=subject), pod(sa="default"))
    assert [(f.rule_id, f.object.kind) for f in findings] == [("rbac/broad-grant", "ClusterRoleBinding")]
    assert "service account shop/default read Secrets cluster-wide" in findings[0].message


def test_a_workloads_reach_is_found_again_for_another_index_or_version() -> None:
    """The rbac rules share one look-up of a workload's reach per object: asked with
    another index (or version) before the object is released, they answer for that one."""
    def objects(*docs: str) -> list[KubeObject]:
        return [KubeObject(d.data) for d in yamlload.parse("---\n".join(docs), "x.yaml")]

    granted = Index()
    for obj in objects(SA, READER, binding()):
        granted.add(obj, "rbac.yaml")
    workload = objects(pod())[0].pod
    assert workload is not None
    with_grant = Context(index=granted)
    assert [v.message for v in workload_hazards(workload, with_grant)["rbac/secret-read"]]
    assert "rbac/secret-read" not in workload_hazards(workload, Context(index=Index()))
    assert workload_hazards(workload, with_grant)["rbac/secret-read"]
    older = Context(index=granted, version=Version.parse("1.20"))
    assert workload_hazards(workload, older)["rbac/secret-read"]


def test_the_token_mount_is_read_only_for_a_selected_rule_with_a_reach(tmp_path: Path) -> None:
    """The hazard rules share one pass, but a rule that is not selected reads nothing of the
    pod for it: the token mount (the pod's projected volumes, which the pod-spec check does
    not cover) is read only when a selected rule has a reach to describe."""
    volumes = "  volumes:\n    - name: tok\n      projected:\n        sources: not-a-list\n"
    # pod-exec is not reached: a wrongly typed volume is no error of the rbac rules
    assert run(tmp_path, SA, READER, binding(), pod(volumes), only="rbac/pod-exec") == []
    # secret-read is: the token mount is read, and its wrong type is an input error
    path = tmp_path / "input.yaml"
    path.write_text("---\n".join([SA, READER, binding(), pod(volumes)]))
    result = Engine(Selection(only=frozenset({"rbac/secret-read"}))).run([str(path)])
    assert [e.message.split(": ", 1)[-1] for e in result.errors] == [
        "spec.volumes[0].projected.sources: expected a list, got a string"]
