"""deploy/audit/: the scheduled audit passes `podwarden check` with zero findings, and its
ClusterRole grants exactly what `podwarden audit` reads, read-only, Secrets excepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.cluster.audit import CLUSTER_RBAC, NAMESPACES, RESOURCES
from podwarden.engine import Engine, Selection

AUDIT = Path(__file__).resolve().parents[2] / "deploy" / "audit"


def objects() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(AUDIT.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out.setdefault(doc["kind"], []).append(doc)
    return out


def test_check_finds_nothing() -> None:
    result = Engine(Selection()).run([str(AUDIT)])
    assert not result.errors, [str(e) for e in result.errors]
    assert result.findings == [], [f"{f.rule_id} {f.path}: {f.message}" for f in result.findings]
    assert not result.suppressed
    cli = CliRunner().invoke(main, ["check", str(AUDIT)])
    assert cli.exit_code == 0, cli.output


def test_cluster_role_lists_exactly_what_audit_reads() -> None:
    (role,) = objects()["ClusterRole"]
    granted = {(group, res, verb) for r in role["rules"] for group in r["apiGroups"]
               for res in r["resources"] for verb in r["verbs"]}
    # secrets: not granted (RBAC cannot limit list to metadata); the audit warns and goes on
    wanted = {(r.group_version.rpartition("/")[0], r.plural, "list") for r in (*RESOURCES, *CLUSTER_RBAC)
              if r.plural != "secrets"}
    assert {res for _, res, _ in wanted} >= {"roles", "rolebindings", "clusterroles", "clusterrolebindings"}
    wanted |= {("", NAMESPACES.plural, "list"), ("", NAMESPACES.plural, "get")}  # get: one namespace (-n)
    assert granted == wanted
    (binding,) = objects()["ClusterRoleBinding"]
    (account,) = objects()["ServiceAccount"]
    assert binding["subjects"][0]["name"] == account["metadata"]["name"]


def test_cron_job_runs_the_audit_in_cluster_to_stdout() -> None:
    (cron,) = objects()["CronJob"]
    spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"] == ["audit", "--in-cluster", "-o", "json"]  # no --output: the log is the report
    assert spec["serviceAccountName"] == objects()["ServiceAccount"][0]["metadata"]["name"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])  # the spool's room
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
