"""Everything granted to a service account or a broad group.

## What it checks
A RoleBinding or ClusterRoleBinding whose role is `cluster-admin`, or any role (in the
input, `--context` or built in; aggregated rules included) with a rule of `*` verbs on `*`
resources of `*` API groups, and whose subjects include a ServiceAccount, a group every
service account or every user is in (`system:serviceaccounts`,
`system:serviceaccounts:<namespace>`, `system:authenticated`, `system:unauthenticated`),
or the user `system:anonymous` or `system:serviceaccount:...`. Bindings to people (users
and groups of your identity provider) are not reported.

Through a ClusterRoleBinding: critical for a broad group, `system:anonymous` or a
namespace's `default` service account (every pod that names no account runs as it), high
for another service account. Through a RoleBinding (everything in one namespace): high,
and medium for a named service account. One finding per binding, naming its subjects.

## Why
AKS guide, least privilege; Kubernetes "RBAC good practices": `cluster-admin` is meant
for break-glass people. Bound to a service account, any pod holding its token owns the
cluster; bound to a broad group, every workload (or every authenticated caller) does.
The workloads that run as these accounts are reported by `rbac/full-api-access`.

## Fix
Bind a role with only what the application calls, in its namespace, to its own
ServiceAccount; never bind broad groups or `default` to powerful roles. `podwarden fix`
does not rewrite RBAC.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, KubeObject, Severity, Violation, rule
from podwarden.rules.rbac._resolve import (
    ALL_SERVICE_ACCOUNTS,
    BROAD_GROUPS,
    SA_USER_PREFIX,
    allows_everything,
    effective_rules,
    find_role,
    minor_of,
)

RULE = rule("rbac/cluster-admin-binding", severity=Severity.CRITICAL, target="object",
            kinds=("RoleBinding", "ClusterRoleBinding"), uses_index=True)

RBAC_GROUP = "rbac.authorization.k8s.io"


def _grants_everything(obj: KubeObject, kind: str, name: str, ctx: Context) -> bool:
    if kind == "ClusterRole" and name == "cluster-admin":
        return True
    if ctx.index is None:
        return False
    role = find_role(ctx.index, kind, obj.ref.namespace or "default", name, minor_of(ctx))
    return role is not None and allows_everything(effective_rules(ctx.index, role, minor_of(ctx)))


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    if obj.ref.api_version.rpartition("/")[0] != RBAC_GROUP:
        return
    ref = obj.root.map("roleRef")
    kind, name = ref.str("kind") or "", ref.str("name") or ""
    if not _grants_everything(obj, kind, name, ctx):
        return
    broad: list[str] = []
    defaults: list[str] = []
    accounts: list[str] = []
    for subject in obj.root.maps("subjects"):
        s_kind, s_name = subject.str("kind") or "", subject.str("name") or ""
        if s_kind == "ServiceAccount":
            ns = subject.str("namespace") or obj.ref.namespace or "default"
            (defaults if s_name == "default" else accounts).append(f"{ns}/{s_name}")
        elif s_kind == "Group" and (s_name in BROAD_GROUPS or s_name.startswith(ALL_SERVICE_ACCOUNTS + ":")):
            broad.append(f"group {s_name}")
        elif s_kind == "User" and (s_name == "system:anonymous" or s_name.startswith(SA_USER_PREFIX)):
            broad.append(f"user {s_name}")
    if not (broad or defaults or accounts):
        return
    cluster = obj.kind == "ClusterRoleBinding"
    worst = bool(broad or defaults)
    if cluster:
        severity = Severity.CRITICAL if worst else Severity.HIGH
    else:
        severity = Severity.HIGH if worst else Severity.MEDIUM
    role = f'{kind} "{name}"' if name == "cluster-admin" else f'{kind} "{name}" (every verb on every resource)'
    reach = "everywhere" if cluster else f'in namespace "{obj.ref.namespace or "default"}"'
    who = [*broad, *(f"service account {a}" for a in defaults + accounts)]
    yield Violation(ref.at("name"), f"{obj.kind} grants {role} {reach} to {', '.join(who)}",
                    severity=severity)


