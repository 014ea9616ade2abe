"""RBAC in the audit: which grants each namespace's workloads need in their index, what
the ``rbac`` family may say where RBAC could not be read, and the readiness column
"workloads whose tokens reach dangerous API permissions".

A RoleBinding acts in its own namespace but may name service accounts of any namespace
(Prometheus' account bound in every application namespace, say) or a group every account
is in.  Such *foreign* grants are found in one pass over the spooled RoleBindings and
given to the namespaces whose accounts they name, with the Roles they grant: they are
few, and the other namespaces' RBAC objects stay on the spool.

The column counts workloads (a workload with running pods is judged by its pods, an idle
one by its template, a pod without owner by itself) whose mounted token reaches a
permission class of the family at medium severity or more, as the blast radius resolves
it: grants to the workload's own service account *and* grants it shares (a namespace's
``default`` account, ``system:serviceaccounts``, ``system:authenticated``), which the
family reports once on the binding (``rbac/broad-grant``, ``rbac/cluster-admin-binding``)
rather than on every workload.  Counting findings alone would tell a namespace whose
``default`` account is bound to ``cluster-admin`` that nothing is dangerous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from podwarden.cluster.spool import Spool
from podwarden.engine import Selection, object_problem
from podwarden.model.index import Index
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.rules.api import Severity
from podwarden.rules.blast import KINDS, BlastRadius, Line, api_line

FAMILY = "rbac"
#: every pod that names no ServiceAccount runs as this one
SA_USER_PREFIX = "system:serviceaccount:"
ALL_ACCOUNTS = "system:serviceaccounts"
#: groups that hold every namespace's service accounts
EVERY_NAMESPACE_GROUPS = frozenset({ALL_ACCOUNTS, "system:authenticated"})
#: key of grants that reach every namespace
EVERYWHERE = "*"
#: what counts as a dangerous reach in the readiness column
DANGEROUS = Severity.MEDIUM


def without_rbac(selection: Selection) -> Selection:
    """``selection`` with the ``rbac`` family skipped (where RBAC could not be read)."""
    return selection.replace(skip=selection.skip | {FAMILY})


def targets(binding: dict[str, Any], home: str = "") -> set[str]:
    """The namespaces, other than ``home``, whose service accounts a binding (a RoleBinding
    of ``home``, or a ClusterRoleBinding) names; ``EVERYWHERE`` for a group every account
    is in."""
    out: set[str] = set()
    for subject in binding.get("subjects") or ():
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), subject.get("name")
        if not isinstance(name, str):
            continue
        if kind == "ServiceAccount":
            ns = subject.get("namespace")
            out.add(ns if isinstance(ns, str) and ns else home)
        elif kind == "User" and name.startswith(SA_USER_PREFIX):
            out.add(name[len(SA_USER_PREFIX):].partition(":")[0])
        elif kind == "Group" and name in EVERY_NAMESPACE_GROUPS:
            out.add(EVERYWHERE)
        elif kind == "Group" and name.startswith(ALL_ACCOUNTS + ":"):
            out.add(name[len(ALL_ACCOUNTS) + 1:])
    out.discard(home)
    return out


def foreign_grants(spool: Spool, namespaces: Iterable[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Target namespace (or ``EVERYWHERE``) -> (home namespace, object) of the RoleBindings
    naming its accounts from elsewhere, and of the Roles those bindings grant."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    wanted: dict[str, dict[str, set[str]]] = defaultdict(dict)  # home -> Role name -> targets
    homes = [ns for ns in namespaces if ns]
    for home in homes:
        for binding in spool.read(home, "RoleBinding"):
            if object_problem(binding):
                continue
            found = targets(binding, home)
            if not found:
                continue
            for target in found:
                out[target].append((home, binding))
            ref = binding.get("roleRef")
            if isinstance(ref, dict) and ref.get("kind") == "Role" and isinstance(ref.get("name"), str):
                wanted[home].setdefault(ref["name"], set()).update(found)
    for home, roles in wanted.items():
        for role in spool.read(home, "Role"):
            name = (role.get("metadata") or {}).get("name")
            for target in roles.get(name, ()) if isinstance(name, str) else ():
                out[target].append((home, role))
    return dict(out)


def reaches_dangerous(obj: KubeObject, index: Index, minor: int) -> bool:
    """Whether the mounted token of a pod (or a workload's template) reaches a permission
    class of the family at ``DANGEROUS`` severity or more, shared grants included."""
    try:
        pod = obj.pod
        return pod is not None and api_line(pod, index, minor).severity >= DANGEROUS
    except ShapeError:  # the object's shape is reported as an error where it is evaluated
        return False
    finally:
        obj.release()


def blind(blast: BlastRadius | None, reason: str) -> BlastRadius | None:
    """A blast radius whose Kubernetes API line says ``unknown``, for where RBAC could not
    be read (the index then holds no grant, which must not read as "nothing dangerous")."""
    if blast is None:
        return None
    lines = []
    for line in blast.lines:
        if line.kind == "kubernetes-api":
            who = line.summary.partition(":")[0]
            line = Line(line.kind, Severity.LOW, f"{who}: unknown ({reason})")
        lines.append(line)
    lines.sort(key=lambda line: (-line.severity, KINDS.index(line.kind)))
    return BlastRadius(tuple(lines))


@dataclass(slots=True)
class Column:
    """The readiness column of one namespace, filled as its workloads pass."""

    index: Index | None
    minor: int
    #: why the family cannot judge here (None: it can)
    unknown: str | None
    workloads: set[Any] = field(default_factory=set)
    dangerous: set[Any] = field(default_factory=set)
    #: verdicts by pod shape: replicas are judged once
    _memo: dict[bytes, bool] = field(default_factory=dict)

    def add(self, target: Any, data: dict[str, Any], key: bytes | None = None) -> None:
        """Judge one pod (or idle workload) reported as ``target``."""
        self.workloads.add(target)
        if self.unknown is not None or self.index is None or target in self.dangerous:
            return
        found = self._memo.get(key) if key is not None else None
        if found is None:
            found = reaches_dangerous(KubeObject(data), self.index, self.minor)
            if key is not None:
                self._memo[key] = found
        if found:
            self.dangerous.add(target)
