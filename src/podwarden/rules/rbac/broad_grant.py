"""Dangerous permission granted to every service account of a group or namespace.

## What it checks
A RoleBinding or ClusterRoleBinding that grants one of the permission classes this family
judges (reading Secrets, creating workloads, exec and attach, `escalate`/`bind`/
`impersonate`, TokenRequest, `nodes/proxy`, CSR approval, admission webhook
configurations, Namespace writes, PersistentVolume creation) to a subject many workloads
share: the groups `system:serviceaccounts`, `system:serviceaccounts:<namespace>`,
`system:authenticated`, `system:unauthenticated`, the user `system:anonymous`, or a
namespace's `default` service account (every pod that names no account runs as it).
Roles are resolved as for the workload rules: input, `--context`, aggregated and
built-in ClusterRoles.

One finding per binding, naming every permission class it hands out, at the severity of
the worst one (as the workload rules rate it: cluster-wide through a
ClusterRoleBinding, one namespace through a RoleBinding). Bindings of everything are
`rbac/cluster-admin-binding`'s. The workload rules report grants to a workload's own
service account; these shared grants are reported here once, however many workloads
share them (each workload's blast radius still counts them).

## Why
AKS guide, least privilege; Kubernetes "RBAC good practices": a permission given to a
group, or to `default`, is given to every pod that lands in its scope, including the ones
nobody reviewed; a single compromised pod then reaches it.

## Fix
Give each workload its own ServiceAccount and bind the permission to that account only;
leave `default` and the built-in groups without grants. `podwarden fix` does not rewrite
RBAC.
"""

from collections.abc import Iterator

from podwarden.model.index import binding_record
from podwarden.rules.api import Context, KubeObject, Severity, Violation, rule
from podwarden.rules.rbac._resolve import (
    ALL_SERVICE_ACCOUNTS,
    BROAD_GROUPS,
    EVERYTHING,
    HAZARDS,
    effective_rules,
    find_role,
    hazards_of,
    minor_of,
)

RULE = rule("rbac/broad-grant", severity=Severity.HIGH, target="object",
            kinds=("RoleBinding", "ClusterRoleBinding"), uses_index=True)

RBAC_GROUP = "rbac.authorization.k8s.io"


def shared_subjects(obj: KubeObject) -> list[str]:
    """The subjects of a binding that many workloads share, described."""
    out = []
    for subject in obj.root.maps("subjects"):
        kind, name = subject.str("kind") or "", subject.str("name") or ""
        if kind == "Group" and (name in BROAD_GROUPS or name.startswith(ALL_SERVICE_ACCOUNTS + ":")):
            out.append(f"group {name}")
        elif kind == "User" and (name == "system:anonymous" or (name.endswith(":default")
                                 and name.startswith("system:serviceaccount:"))):
            out.append(f"user {name}")
        elif kind == "ServiceAccount" and name == "default":
            out.append(f"service account {subject.str('namespace') or obj.ref.namespace or 'default'}/default")
    return out


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None or obj.ref.api_version.rpartition("/")[0] != RBAC_GROUP:
        return
    who = shared_subjects(obj)
    if not who:
        return
    record = binding_record(obj)
    role = find_role(ctx.index, record.role_kind, record.namespace or "default", record.role_name, minor_of(ctx))
    if role is None:
        return
    cluster = obj.kind == "ClusterRoleBinding"
    found = hazards_of(effective_rules(ctx.index, role, minor_of(ctx)), cluster)
    if not found or EVERYTHING in found:
        return
    hazards = [HAZARDS[slug] for slug in found]
    severity = max(h.cluster if cluster else h.namespaced for h in hazards)
    reach = "cluster-wide" if cluster else f'in namespace "{obj.ref.namespace or "default"}"'
    what = "; ".join(h.what for h in hazards)
    yield Violation(obj.root.map("roleRef").at("name"),
                    f'{record.role_kind} "{record.role_name}" lets {", ".join(who)} {what} {reach}',
                    severity=Severity(severity))
