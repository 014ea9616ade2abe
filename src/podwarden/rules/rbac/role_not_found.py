"""Role named by a binding not in the input.

## What it checks
A RoleBinding or ClusterRoleBinding whose `roleRef` names a Role (in the binding's
namespace) or ClusterRole that is neither in the input nor in `--context`, and is not a
built-in ClusterRole (`cluster-admin`, `admin`, `edit`, `view`, `system:...`). Low
severity: it may well exist in the cluster.

## Why
Without the role, podwarden cannot tell what the binding grants the workloads that run
as its subjects, so the `rbac` family says nothing about them; it says so rather than
guess.

## Fix
Add the role to the manifests, or pass the file that defines it with
`podwarden check --context PATH` (for a live cluster:
`kubectl get clusterroles,roles -A -o yaml > rbac.yaml`).
"""

from collections.abc import Iterator

from podwarden.model.index import binding_record
from podwarden.rules.api import Context, KubeObject, Severity, Violation, rule
from podwarden.rules.rbac._resolve import minor_of, missing_role

RULE = rule("rbac/role-not-found", severity=Severity.LOW, target="object",
            kinds=("RoleBinding", "ClusterRoleBinding"), uses_index=True, static_only=True)

RBAC_GROUP = "rbac.authorization.k8s.io"


@RULE.check(since="1.0")
def check(obj: KubeObject, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None or obj.ref.api_version.rpartition("/")[0] != RBAC_GROUP:
        return
    ref = obj.root.map("roleRef")
    kind, name = ref.str("kind") or "", ref.str("name") or ""
    if kind not in ("Role", "ClusterRole") or not name:
        return
    if missing_role(ctx.index, binding_record(obj), minor_of(ctx)):
        where = f' of namespace "{obj.ref.namespace or "default"}"' if kind == "Role" else ""
        yield Violation(ref.at("name"), f'{kind} "{name}"{where} is neither built in nor among the objects '
                        "read (files, --context, or the cluster audited): whatever role of that name is "
                        "created later gets this binding's subjects; if it is defined elsewhere, pass that "
                        "file with --context to check what the binding grants")
