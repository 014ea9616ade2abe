"""Audit a live cluster: read what runs, evaluate it with every rule family, report each
workload once.

``collect`` lists Namespaces, Pods and their owners (ReplicaSets, Deployments, Jobs,
CronJobs, StatefulSets, DaemonSets, ReplicationControllers), ServiceAccounts, ConfigMaps,
SecretProviderClasses and the *metadata* of Secrets.  A resource type RBAC forbids
cluster-wide is listed namespace by namespace; what stays forbidden becomes a warning,
not a failure.  ``audit`` evaluates pods (what actually runs, after every mutating
webhook) and top-level workloads (their own metadata, and templates without running
pods), then folds each pod's findings onto its workload with the number of pods
affected, its paths moved into the workload's pod template, where a fix is written.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.cluster.client import Client, ClusterError, Forbidden, NotFound, Resource
from podwarden.engine import Engine, Finding, ObjectResult, Result, Selection, Suppressed
from podwarden.model.objects import ObjectRef
from podwarden.model.paths import render
from podwarden.model.podspec import POD_TEMPLATE_PATHS
from podwarden.rules.registry import Registry

NAMESPACES = Resource("v1", "namespaces", "Namespace", namespaced=False)
PODS = Resource("v1", "pods", "Pod")
SECRETS = Resource("v1", "secrets", "Secret")
#: listed in full; ReplicaSets only by metadata (there are many, and pods cover their spec)
RESOURCES: tuple[Resource, ...] = (
    PODS,
    Resource("apps/v1", "deployments", "Deployment"),
    Resource("apps/v1", "replicasets", "ReplicaSet"),
    Resource("apps/v1", "statefulsets", "StatefulSet"),
    Resource("apps/v1", "daemonsets", "DaemonSet"),
    Resource("batch/v1", "jobs", "Job"),
    Resource("batch/v1", "cronjobs", "CronJob"),
    Resource("v1", "replicationcontrollers", "ReplicationController"),
    Resource("v1", "serviceaccounts", "ServiceAccount"),
    Resource("v1", "configmaps", "ConfigMap"),
    SECRETS,
    Resource("secrets-store.csi.x-k8s.io/v1", "secretproviderclasses", "SecretProviderClass"),
)
METADATA_ONLY_KINDS = frozenset({"Secret", "ReplicaSet"})
#: workloads that own pods and are evaluated themselves (their metadata, idle templates)
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job",
                            "ReplicaSet", "ReplicationController"})
#: where an owner's pod template sits, as a path prefix replacing a pod's root
_TEMPLATE = {kind: render(path) for kind, path in POD_TEMPLATE_PATHS.items() if path}


@dataclass(slots=True)
class Snapshot:
    """What was read from the cluster."""

    server: str
    context: str
    server_minor: int | None
    #: namespaces audited, sorted
    namespaces: list[str]
    #: Namespace objects by name (missing when namespaces could not be read)
    namespace_objects: dict[str, dict[str, Any]]
    objects: dict[str, list[dict[str, Any]]]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: namespace -> resource types that could not be listed there
    forbidden: dict[str, list[str]] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return self.objects.get(kind, [])


def collect(client: Client, namespaces: Sequence[str] = (),
            progress: Callable[[str, int], None] | None = None) -> Snapshot:
    """List everything the audit reads; ``progress(resource, items)`` after each page."""

    def pager(plural: str) -> Callable[[int], None] | None:
        return (lambda n: progress(plural, n)) if progress else None

    warnings: list[str] = []
    notes: list[str] = []
    forbidden: dict[str, list[str]] = defaultdict(list)
    ns_objects: dict[str, dict[str, Any]] = {}
    chosen = sorted(set(namespaces))
    if chosen:
        for name in chosen:
            try:
                data = client.get(NAMESPACES.path() + "/" + name)
            except Forbidden as exc:
                warnings.append(f"cannot read namespace {name} (its labels): {exc}")
                continue
            except NotFound:
                raise ClusterError(f"namespace {name!r} does not exist in this cluster") from None
            data.setdefault("apiVersion", "v1")
            data.setdefault("kind", "Namespace")
            ns_objects[name] = data
    else:
        try:
            for data in client.list(NAMESPACES, on_page=pager("namespaces")):
                ns_objects[_name(data)] = data
        except Forbidden as exc:
            warnings.append(f"cannot list namespaces, so their PSS labels are unknown: {exc}")

    objects: dict[str, list[dict[str, Any]]] = {}
    pod_lists_ok = 0
    known = chosen or sorted(ns_objects)
    for resource in RESOURCES:
        meta_only = resource.kind in METADATA_ONLY_KINDS
        found: list[dict[str, Any]] = []
        scopes: list[str | None] = list(chosen) if chosen else [None]
        missing = False
        while scopes:
            scope = scopes.pop(0)
            try:
                found.extend(client.list(resource, scope, meta_only, pager(resource.plural)))
                if resource is PODS:
                    pod_lists_ok += 1
            except NotFound:
                missing = True
                break
            except Forbidden as exc:
                if scope is None and known:
                    scopes = list(known)  # RBAC may allow it namespace by namespace
                    continue
                where = f"namespace {scope}" if scope else "the cluster"
                if scope is not None:
                    forbidden[scope].append(resource.plural)
                warnings.append(f"cannot list {resource.plural} in {where}; the audit goes on "
                                f"without them: {exc}")
        if missing:
            if resource.kind == "SecretProviderClass":
                notes.append("SecretProviderClass is not served by this cluster (the Secrets Store "
                             "CSI driver is not installed): no Key Vault objects to check")
            else:
                warnings.append(f"{resource.plural}: not served by this cluster")
        objects[resource.kind] = found
    if not pod_lists_ok:
        raise ClusterError("cannot list pods in any namespace (forbidden): the audit needs at "
                           "least get/list on pods")

    names = set(chosen) or set(ns_objects)
    for kind_objects in objects.values():
        names.update(n for n in (_namespace(o) for o in kind_objects) if n)
    if chosen:
        names &= set(chosen)
    return Snapshot(
        server=client.server,
        context=client.context,
        server_minor=client.server_minor(),
        namespaces=sorted(names),
        namespace_objects=ns_objects,
        objects=objects,
        warnings=warnings,
        notes=notes,
        forbidden=dict(forbidden),
    )


# -- ownership --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    """The top of a pod's ownerReferences chain, as far as it can be followed."""

    ref: ObjectRef
    data: dict[str, Any] | None  # the owner object, when it was read in full


class Owners:
    """Follows ownerReferences (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob) by uid."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_uid: dict[str, dict[str, Any]] = {}
        for kind in WORKLOAD_KINDS:
            for obj in snapshot.of_kind(kind):
                uid = (obj.get("metadata") or {}).get("uid")
                if uid:
                    self.by_uid[uid] = obj

    def top(self, obj: dict[str, Any]) -> Owner | None:
        """The outermost controller of ``obj``, or None when nothing owns it."""
        top: Owner | None = None
        seen: set[str] = set()
        current = obj
        while True:
            ref = _controller_ref(current)
            if ref is None:
                return top
            uid = str(ref.get("uid") or "")
            if uid in seen:  # a cycle: never loop forever on hostile metadata
                return top
            seen.add(uid)
            owner = self.by_uid.get(uid)
            namespace = _namespace(current)
            ref_obj = ObjectRef(str(ref.get("apiVersion", "")), str(ref.get("kind", "")),
                                namespace, str(ref.get("name", "")))
            full = owner if owner is not None and owner.get("spec") is not None else None
            top = Owner(ref_obj, full)
            if owner is None:
                return top  # an owner we could not read (forbidden, or a custom kind)
            current = owner


def _controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    refs = [r for r in refs if isinstance(r, dict)]
    for ref in refs:
        if ref.get("controller") is True:
            return ref
    return refs[0] if refs else None


# -- the audit --------------------------------------------------------------------------


@dataclass(slots=True)
class Audit:
    """Findings as reports want them, plus what readiness needs."""

    result: Result
    #: pods by namespace, with their top owner
    pods: dict[str, list[tuple[dict[str, Any], Owner | None]]]
    #: top-level workloads without any running pod, by namespace
    idle: dict[str, list[dict[str, Any]]]
    #: workload (or standalone pod) -> number of its pods
    pod_counts: dict[ObjectRef, int]


def source_name(namespace: str | None) -> str:
    """Where a cluster object's findings are filed (reports group by it)."""
    return f"namespace/{namespace}" if namespace else "cluster"


def audit(snapshot: Snapshot, selection: Selection, registry: Registry) -> Audit:
    """Evaluate the snapshot; pods are folded onto their workloads."""
    owners = Owners(snapshot)
    pods: dict[str, list[tuple[dict[str, Any], Owner | None]]] = defaultdict(list)
    pod_owner: dict[ObjectRef, Owner | None] = {}
    pod_counts: dict[ObjectRef, int] = defaultdict(int)
    for pod in snapshot.of_kind("Pod"):
        owner = owners.top(pod)
        pods[_namespace(pod) or ""].append((pod, owner))
        ref = _ref(pod)
        pod_owner[ref] = owner
        pod_counts[owner.ref if owner else ref] += 1

    workloads: list[dict[str, Any]] = []
    idle: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind in sorted(WORKLOAD_KINDS):
        for obj in snapshot.of_kind(kind):
            if owners.top(obj) is not None or obj.get("spec") is None:
                continue  # owned (a Deployment's ReplicaSet, a CronJob's Job) or metadata only
            workloads.append(obj)
            if not pod_counts.get(_ref(obj)) and kind != "Job":
                idle[_namespace(obj) or ""].append(obj)

    items: list[tuple[str, dict[str, Any]]] = []
    items.extend(("", ns) for ns in snapshot.namespace_objects.values())
    for kind in ("ServiceAccount", "ConfigMap", "Secret", "SecretProviderClass"):
        items.extend(("", o) for o in snapshot.of_kind(kind))
    items.extend(("", w) for w in workloads)
    items.extend(("", p) for p in snapshot.of_kind("Pod"))
    named = [(source_name(_namespace(d) if d.get("kind") != "Namespace" else _name(d)), d) for _, d in items]
    raw = Engine(selection, registry).evaluate_objects(named)
    return Audit(_fold(raw, pod_owner, pod_counts), dict(pods), dict(idle), dict(pod_counts))


def _fold(raw: Result, pod_owner: dict[ObjectRef, Owner | None],
          pod_counts: dict[ObjectRef, int]) -> Result:
    """Report each workload once: its pods' findings merged (with the number of pods
    having each), paths moved into its pod template, and its own findings."""
    out = Result(errors=list(raw.errors), paths=list(raw.paths), skipped=list(raw.skipped),
                 baselined=raw.baselined)
    silenced: dict[tuple[ObjectRef, str, str], Suppressed] = {}
    for s in raw.suppressed:
        owner = pod_owner.get(s.finding.object) if s.finding.object.kind == "Pod" else None
        if owner is not None:
            f = s.finding
            path = _into_template(_TEMPLATE.get(owner.ref.kind, ""), f.path)
            s = Suppressed(dataclasses.replace(f, object=owner.ref, path=path), s.reason)
        silenced.setdefault((s.finding.object, s.finding.rule_id, s.finding.path), s)
    out.suppressed = list(silenced.values())
    groups: dict[ObjectRef, dict[tuple[str, str, str, str], tuple[Finding, int]]] = {}
    order: list[ObjectRef] = []
    files: dict[ObjectRef, str] = {}
    own: dict[ObjectRef, list[Finding]] = {}
    is_pod: dict[ObjectRef, bool] = {}
    for o in raw.objects:
        owner = pod_owner.get(o.object) if o.object.kind == "Pod" else None
        target = owner.ref if owner else o.object
        if target not in groups:
            groups[target] = {}
            order.append(target)
            files[target] = o.file
            is_pod[target] = o.pod
        if owner is None:
            own.setdefault(target, []).extend(o.findings)
            continue
        prefix = _TEMPLATE.get(owner.ref.kind, "")
        for f in o.findings:
            path = _into_template(prefix, f.path)
            key = (f.rule_id, path, f.message, f.secret or "")
            seen = groups[target].get(key)
            moved = dataclasses.replace(f, object=target, path=path)
            groups[target][key] = (seen[0] if seen else moved, (seen[1] if seen else 0) + 1)
    for target in order:
        total = pod_counts.get(target, 0)
        merged = groups[target]
        findings: list[Finding] = []
        for f, n in merged.values():
            findings.append(_with_pods(f, n, total))
        for f in own.get(target, []):
            key = (f.rule_id, f.path, f.message, f.secret or "")
            if key in merged:
                continue  # the template's finding is also on its running pods: counted there
            if target.kind == "Pod" or not total:
                findings.append(f)
                continue
            prefix = _TEMPLATE.get(target.kind, "")
            in_template = bool(prefix) and (f.path == prefix or f.path.startswith(prefix + "."))
            findings.append(_with_pods(f, 0 if in_template else total, total))
        out.findings.extend(findings)
        out.objects.append(ObjectResult(files[target], target, 0, is_pod[target] or total > 0, findings))
    return out


def _with_pods(f: Finding, n: int, total: int) -> Finding:
    if n == 0:
        note = f" (in the template, on none of its {total} running pods)"
    else:
        note = f" ({n} of {total} pod{'s' if total != 1 else ''})"
    return dataclasses.replace(f, message=f.message + note, pods=n)


def _into_template(prefix: str, path: str) -> str:
    """A pod's field path, moved under its owner's pod template (``spec`` ->
    ``spec.template.spec``)."""
    if not prefix:
        return path
    if path.startswith(("spec", "metadata")):
        return f"{prefix}.{path}"
    return path


# -- small helpers ----------------------------------------------------------------------


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _namespace(obj: dict[str, Any]) -> str | None:
    ns = (obj.get("metadata") or {}).get("namespace")
    return str(ns) if ns else None


def _ref(obj: dict[str, Any]) -> ObjectRef:
    return ObjectRef(str(obj.get("apiVersion", "")), str(obj.get("kind", "")), _namespace(obj), _name(obj))

