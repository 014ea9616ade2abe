"""`podwarden audit` and RBAC: Roles, ClusterRoles and their bindings read from the recorded
cluster, the rbac family on what runs, bindings reported once, the readiness column, RBAC
that cannot be read (unknown, never "nothing dangerous"), and --blast-radius."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from podwarden.cli import main
from podwarden.cluster import rbac as cluster_rbac
from podwarden.cluster.audit import collect
from podwarden.cluster.client import Client, load_config
from tests.cluster.fakeapi import FakeAPI

RBAC_PATHS = {
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/apis/rbac.authorization.k8s.io/v1/roles",
    "/apis/rbac.authorization.k8s.io/v1/rolebindings",
}


def run(kubeconfig: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["audit", "--kubeconfig", str(kubeconfig), *args])


def audit_json(kubeconfig: Path, *args: str) -> tuple[dict[str, Any], str]:
    result = run(kubeconfig, "-o", "json", "--page-size", "1", *args)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout), result.stderr


def by_rule(doc: dict[str, Any], prefix: str = "rbac/") -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"].startswith(prefix)]


def column(doc: dict[str, Any]) -> dict[str, Any]:
    return {v["namespace"]: v["rbac"] for v in doc["readiness"]}


def test_rbac_lists_are_read_only_paged_and_typed(api: FakeAPI, kubeconfig: Path) -> None:
    with Client(load_config(str(kubeconfig)), page_size=1) as client:
        snap = collect(client)
    try:
        kinds = {kind: [o["metadata"]["name"] for o in snap.of_kind(kind)]
                 for kind in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")}
        assert kinds == {
            "ClusterRole": ["cluster-admin", "system:basic-user"],
            "ClusterRoleBinding": ["system:basic-user", "legacy-default-admin"],
            "Role": ["secret-reader", "ledger-secrets"],
            "RoleBinding": ["log-agent-secrets", "log-agent-ledger"],
        }
        # list items come without apiVersion and kind: set from the resource listed
        assert all(o["apiVersion"] == "rbac.authorization.k8s.io/v1" for kind in kinds for o in snap.of_kind(kind))
        assert snap.rbac_unknown is None
    finally:
        snap.close()
    rbac = [r for r in api.requests if r.path in RBAC_PATHS]
    assert {r.path for r in rbac} == RBAC_PATHS  # cluster-wide, one list each
    # two objects at limit=1: a second page asked for with the first page's continue token
    crb = [r for r in rbac if r.path.endswith("/clusterrolebindings")]
    assert [bool(r.query.get("continue")) for r in crb] == [False, True]


def test_findings_land_on_the_workloads_and_bindings_once(kubeconfig: Path) -> None:
    doc, _ = audit_json(kubeconfig)
    found = sorted((f["rule"], f["object"]["kind"], f["object"]["namespace"], f["object"]["name"])
                   for f in by_rule(doc))
    assert found == [
        # cluster-admin for legacy's default account: once, on the binding, in the cluster part
        ("rbac/cluster-admin-binding", "ClusterRoleBinding", None, "legacy-default-admin"),
        # the log agent's own account reads Secrets through its Role and a foreign RoleBinding
        ("rbac/secret-read", "DaemonSet", "monitoring", "log-agent"),
    ]
    (admin,) = by_rule(doc, "rbac/cluster-admin-binding")
    assert admin["file"] == "cluster" and admin["severity"] == "critical"
    assert "service account legacy/default" in admin["message"]
    (secrets,) = by_rule(doc, "rbac/secret-read")
    assert secrets["severity"] == "medium" and secrets["pods"] == 2
    assert secrets["path"] == "spec.template.spec.serviceAccountName"
    # the RoleBinding in payments naming monitoring's account is seen from monitoring
    assert 'in namespaces monitoring, payments' in secrets["message"]
    assert 'RoleBinding "payments/log-agent-ledger"' in secrets["message"]
    # the cluster part is not a namespace: summaries count six
    assert doc["summary"]["files"] == 6
    # nothing dangerous in system:basic-user bound to system:authenticated
    assert not any(f["object"]["name"] == "system:basic-user" for f in doc["findings"])


def test_readiness_column(kubeconfig: Path) -> None:
    doc, _ = audit_json(kubeconfig)
    assert column(doc) == {
        # both legacy workloads run as default, which is cluster-admin: counted, though the
        # finding is on the binding
        "legacy": {"workloads": 2, "dangerous": 2, "unknown": None},
        "locked": {"workloads": 1, "dangerous": 0, "unknown": None},
        "monitoring": {"workloads": 1, "dangerous": 1, "unknown": None},
        # ledger, and the unowned debug pod; tokens not mounted
        "payments": {"workloads": 2, "dangerous": 0, "unknown": None},
        "sealed": {"workloads": 0, "dangerous": None, "unknown": "pods could not be listed here (forbidden)"},
        "shop": {"workloads": 2, "dangerous": 0, "unknown": None},
    }
    text = run(kubeconfig).stdout
    assert "rbac: workloads whose token reaches dangerous API permissions" in text
    assert "  legacy      baseline:v1.29     enforces -                  3 pod(s)    rbac: 2 of 2 workloads\n" in text
    assert "  monitoring  privileged:v1.29   enforces -                  2 pod(s)    rbac: 1 of 1 workload\n" in text
    assert "  sealed      unknown            enforces -                  0 pod(s)    rbac: unknown\n" in text


def test_forbidden_cluster_rbac_says_unknown(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.forbidden.add(("clusterrolebindings", None))
    doc, stderr = audit_json(kubeconfig)
    warning = [w for w in stderr.splitlines() if "clusterrolebindings" in w]
    assert len(warning) == 1 and warning[0].startswith("warning: cannot list clusterrolebindings, so the rbac "
                                                       "family says unknown")
    assert any("clusterrolebindings" in w for w in doc["warnings"])
    assert by_rule(doc) == []  # skipped, not "nothing found"
    reasons = {ns: v["unknown"] for ns, v in column(doc).items()}
    assert reasons["legacy"] == "clusterrolebindings could not be listed (forbidden)"
    assert all(v["dangerous"] is None for v in column(doc).values())
    assert "rbac: unknown" in run(kubeconfig).stdout
    # other families still run
    assert any(f["rule"] == "pss/privileged" for f in doc["findings"])


def test_forbidden_role_bindings_in_one_namespace(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.forbidden |= {("rolebindings", None), ("rolebindings", "monitoring")}
    doc, stderr = audit_json(kubeconfig)
    assert any("cannot list rolebindings in namespace monitoring" in w and "rbac family says unknown there" in w
               for w in stderr.splitlines())
    assert column(doc)["monitoring"] == {
        "workloads": 1, "dangerous": None, "unknown": "rolebindings could not be listed here (forbidden)"}
    assert column(doc)["legacy"]["dangerous"] == 2  # ClusterRoleBindings were read
    assert not by_rule(doc, "rbac/secret-read")  # monitoring's rbac rules did not run
    assert by_rule(doc, "rbac/cluster-admin-binding")


def test_namespace_option_reports_the_bindings_that_reach_its_namespaces(kubeconfig: Path) -> None:
    doc, _ = audit_json(kubeconfig, "-n", "legacy")
    assert [(f["rule"], f["object"]["name"]) for f in by_rule(doc)] == [
        ("rbac/cluster-admin-binding", "legacy-default-admin")]
    doc, _ = audit_json(kubeconfig, "-n", "shop")
    assert by_rule(doc) == []  # legacy's binding is not shop's business


def test_blast_radius(kubeconfig: Path) -> None:
    doc, _ = audit_json(kubeconfig, "--blast-radius")
    radii = {(r["object"]["kind"], r["object"]["name"]): r for r in doc["blastRadius"]}
    web = radii[("Deployment", "web")]
    api_line = next(line for line in web["reach"] if line["kind"] == "kubernetes-api")
    assert api_line["severity"] == "critical" and "legacy/default" in api_line["summary"]
    assert web["file"] == "namespace/legacy" and web["severity"] == "critical"
    agent = radii[("DaemonSet", "log-agent")]
    assert agent["reach"][0]["kind"] == "host"
    # one radius per workload (pods folded onto it), none for objects without a pod
    assert ("Pod", "log-agent-7xk2p") not in radii and ("ClusterRoleBinding", "legacy-default-admin") not in radii
    assert len(doc["blastRadius"]) == len(radii)
    text = run(kubeconfig, "--blast-radius").stdout
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Deployment/legacy/web  "))
    assert "  blast radius:" in lines[head:lines.index("", head)]
    assert "blastRadius" not in json.dumps(audit_json(kubeconfig)[0])  # only when asked for


def test_blast_radius_where_rbac_is_unknown(api: FakeAPI, kubeconfig: Path) -> None:
    api.behaviour.forbidden.add(("clusterroles", None))
    doc, _ = audit_json(kubeconfig, "--blast-radius")
    for radius in doc["blastRadius"]:
        line = next(x for x in radius["reach"] if x["kind"] == "kubernetes-api")
        assert "unknown (clusterroles could not be listed (forbidden))" in line["summary"]
        assert "nothing dangerous" not in line["summary"]


def test_foreign_grants_follow_subjects() -> None:
    def binding(*subjects: dict[str, str]) -> dict[str, Any]:
        return {"subjects": list(subjects)}

    assert cluster_rbac.targets(binding({"kind": "ServiceAccount", "name": "a", "namespace": "x"}), "home") == {"x"}
    assert cluster_rbac.targets(binding({"kind": "ServiceAccount", "name": "a"}), "home") == set()  # its own
    assert cluster_rbac.targets(binding({"kind": "User", "name": "system:serviceaccount:y:a"}), "home") == {"y"}
    assert cluster_rbac.targets(binding({"kind": "Group", "name": "system:serviceaccounts:z"}), "home") == {"z"}
    assert cluster_rbac.targets(binding({"kind": "Group", "name": "system:authenticated"}), "home") == {"*"}
    assert cluster_rbac.targets(binding({"kind": "User", "name": "alice@example.com"}), "home") == set()
