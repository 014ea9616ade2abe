"""Audit a live cluster: read what runs, evaluate it with every rule family, report each
workload once, namespace by namespace.

``collect`` lists Namespaces, Pods and their owners (ReplicaSets, Deployments, Jobs,
CronJobs, StatefulSets, DaemonSets, ReplicationControllers), ServiceAccounts, ConfigMaps,
SecretProviderClasses, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings and the
*metadata* of Secrets, several lists at a time, filing each object by namespace on a spool
(``spool.py``) as its page arrives.  A resource type RBAC
forbids cluster-wide (or that the API server keeps failing to list cluster-wide) is
listed namespace by namespace, concurrently; what stays forbidden becomes a warning, not a
failure, and a namespace whose list fails even after retries is an error that names it.
RBAC that cannot be read (ClusterRoles or ClusterRoleBindings anywhere, Roles or
RoleBindings in a namespace) makes the ``rbac`` family *unknown* there: its rules are
skipped and readiness says so, rather than report that nothing is dangerous.

``evaluate`` then takes one namespace at a time (its Namespace object first, then its
ServiceAccounts, ConfigMaps, Secrets, SecretProviderClasses, workloads and pods, in the
order listed): pods (what actually runs, after every mutating webhook) and top-level
workloads are evaluated, each pod's findings folded onto its workload as it passes, with
the number of pods affected and its paths moved into the workload's pod template, where a
fix is written.  Each namespace yields its report part and its readiness verdict; what is
kept between namespaces is the verdicts and the summary's counts.

RBAC objects are evaluated once, where they live: ClusterRoles and ClusterRoleBindings
(few, read first and kept in memory) in a ``cluster`` part before the namespaces, Roles
and RoleBindings with their namespace.  What ``rbac`` rules resolve for a namespace's
workloads is in its cross-resource index: its own Roles and RoleBindings, every
ClusterRole and ClusterRoleBinding, and the RoleBindings of other namespaces that name its
service accounts (or a group every account is in), with the Roles they grant.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from podwarden.cluster import rbac as cluster_rbac
from podwarden.cluster import readiness
from podwarden.cluster.client import Client, ClusterError, Forbidden, GaveUp, NotFound, Resource
from podwarden.cluster.shape import LIMIT, Shape, is_pod
from podwarden.cluster.spool import Spool
from podwarden.engine import Engine, FileResult, Finding, ObjectResult, Selection, Suppressed, object_problem
from podwarden.errors import InputError
from podwarden.load import yaml as yamlload
from podwarden.model.index import Index
from podwarden.model.objects import KubeObject, ObjectRef
from podwarden.model.paths import render
from podwarden.model.podspec import POD_TEMPLATE_PATHS
from podwarden.rules.api import Version
from podwarden.rules.blast import BlastRadius
from podwarden.rules.rbac._builtin import NEWEST as NEWEST_RBAC
from podwarden.rules.registry import Registry

NAMESPACES = Resource("v1", "namespaces", "Namespace", namespaced=False)
PODS = Resource("v1", "pods", "Pod")
SECRETS = Resource("v1", "secrets", "Secret")
RBAC_GROUP_VERSION = "rbac.authorization.k8s.io/v1"
ROLES = Resource(RBAC_GROUP_VERSION, "roles", "Role")
ROLE_BINDINGS = Resource(RBAC_GROUP_VERSION, "rolebindings", "RoleBinding")
#: cluster-scoped, needed by every namespace: listed first, whatever ``-n`` says
CLUSTER_RBAC: tuple[Resource, ...] = (
    Resource(RBAC_GROUP_VERSION, "clusterroles", "ClusterRole", namespaced=False),
    Resource(RBAC_GROUP_VERSION, "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
)
#: listed cluster-wide even with ``-n``: a RoleBinding of any namespace may grant to an
#: audited namespace's service accounts
NAMESPACED_RBAC: tuple[Resource, ...] = (ROLES, ROLE_BINDINGS)
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
    *NAMESPACED_RBAC,
)
METADATA_ONLY_KINDS = frozenset({"Secret", "ReplicaSet"})
#: workloads that own pods and are evaluated themselves (their metadata, idle templates)
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job",
                            "ReplicaSet", "ReplicationController"})
#: objects evaluated before a namespace's workloads, in this order
SUPPORTING_KINDS = ("ServiceAccount", "ConfigMap", "Secret", "SecretProviderClass", "Role", "RoleBinding")
#: cluster-scoped objects evaluated once per cluster, in this order
CLUSTER_KINDS = ("ClusterRole", "ClusterRoleBinding")
#: where an owner's pod template sits, as a path prefix replacing a pod's root
_TEMPLATE = {kind: render(path) for kind, path in POD_TEMPLATE_PATHS.items() if path}
#: lists (whole, or one namespace's) read at the same time
DEFAULT_CONCURRENCY = 8


class Progress:
    """Counts for a progress line (thread-safe); ``show`` is called after each change."""

    def __init__(self, show: Callable[[Progress], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._show = show
        self.context = ""
        self.listed: Counter[str] = Counter()
        self.namespaces = 0
        self.namespaces_done = 0
        self.pods_evaluated = 0

    def add_listed(self, plural: str, n: int) -> None:
        with self._lock:
            self.listed[plural] += n
        self._changed()

    def evaluated(self, namespaces: int = 0, pods: int = 0) -> None:
        with self._lock:
            self.namespaces_done += namespaces
            self.pods_evaluated += pods
        self._changed()

    def _changed(self) -> None:
        if self._show is not None:
            self._show(self)


@dataclass(slots=True)
class Snapshot:
    """What was read from the cluster: Namespace objects in memory, everything else spooled."""

    server: str
    context: str
    server_minor: int | None
    #: namespaces audited, sorted
    namespaces: list[str]
    #: the order namespaces are evaluated and reported in (as listed)
    order: list[str]
    #: Namespace objects by name (missing when namespaces could not be read)
    namespace_objects: dict[str, dict[str, Any]]
    spool: Spool
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: namespace -> resource types that could not be listed there (forbidden)
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    #: namespace -> resource type -> why its list failed there (even after retries)
    failed: dict[str, dict[str, str]] = field(default_factory=dict)
    #: objects listed, by plural
    listed: dict[str, int] = field(default_factory=dict)
    #: why RBAC could not be read for the whole cluster (None: it was)
    rbac_unknown: str | None = None
    #: the audit is limited to some namespaces (``-n``)
    limited: bool = False

    def rbac_unknown_in(self, namespace: str) -> str | None:
        """Why the ``rbac`` family cannot judge ``namespace`` (None: it can)."""
        if self.rbac_unknown:
            return self.rbac_unknown
        for resource in NAMESPACED_RBAC:
            if resource.plural in self.forbidden.get(namespace, ()):
                return f"{resource.plural} could not be listed here (forbidden)"
            if resource.plural in self.failed.get(namespace, {}):
                return f"{resource.plural} could not be listed here (the API server kept failing)"
        return None

    def of_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every spooled object of a kind, namespace by namespace (tests read it)."""
        for namespace in ["", *self.order]:
            yield from self.spool.read(namespace, kind)

    def close(self) -> None:
        self.spool.close()


class _Lists:
    """Runs lists on a bounded pool of threads, filing pages on the spool."""

    def __init__(self, client: Client, spool: Spool, pool: ThreadPoolExecutor,
                 progress: Progress | None) -> None:
        self.client = client
        self.spool = spool
        self.pool = pool
        self.progress = progress

    def list(self, resource: Resource, namespace: str | None) -> int:
        """List one collection onto the spool; the number of objects."""
        writer = self.spool.writer(resource.kind)
        progress = self.progress

        def sink(page: list[dict[str, Any]]) -> None:
            writer.add(page)
            if progress is not None:
                progress.add_listed(resource.plural, len(page))

        self.client.list_into(resource, namespace, resource.kind in METADATA_ONLY_KINDS, sink, writer.restart)
        writer.commit()
        return writer.written

    def run(self, tasks: Sequence[tuple[Resource, str | None]]) -> dict[tuple[Resource, str | None], BaseException | int]:
        """Every (resource, namespace) list; the count or the exception, by task.  Errors that
        end the audit (credentials refused, cluster unreachable) stop the rest at once."""
        futures: dict[Future[int], tuple[Resource, str | None]] = {
            self.pool.submit(self.list, resource, scope): (resource, scope) for resource, scope in tasks}
        pending = set(futures)
        out: dict[tuple[Resource, str | None], BaseException | int] = {}
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in done:
                exc = fut.exception()
                if exc is not None and not isinstance(exc, Forbidden | NotFound | GaveUp):
                    for other in pending:
                        other.cancel()
                    raise exc
                out[futures[fut]] = exc if exc is not None else fut.result()
        return out


def collect(client: Client, namespaces: Sequence[str] = (), progress: Progress | None = None,
            concurrency: int = DEFAULT_CONCURRENCY, context_namespace: str | None = None,
            spool_dir: str | None = None) -> Snapshot:
    """List everything the audit reads onto a spool.  ``namespaces`` limits the audit;
    ``context_namespace`` (the kubeconfig context's) is tried when nothing else names one."""
    spool = Spool(spool_dir)
    try:
        with ThreadPoolExecutor(max(concurrency, 1), thread_name_prefix="podwarden-list") as pool:
            return _collect(client, sorted(set(namespaces)), _Lists(client, spool, pool, progress),
                            context_namespace)
    except BaseException:
        spool.close()
        raise


def _collect(client: Client, chosen: list[str], lists: _Lists, context_namespace: str | None) -> Snapshot:
    # warnings sort by (resource, namespace) whatever order the threads finish in
    warnings: list[tuple[int, str, str]] = []
    notes: list[str] = []
    forbidden: dict[str, list[str]] = defaultdict(list)
    failed: dict[str, dict[str, str]] = defaultdict(dict)
    ns_objects: dict[str, dict[str, Any]] = {}
    if chosen:
        for name in chosen:
            try:
                data = client.get(NAMESPACES.path() + "/" + name)
            except Forbidden as exc:
                warnings.append((-1, name, f"cannot read namespace {name} (its labels): {exc}"))
                continue
            except NotFound:
                raise ClusterError(f"namespace {name!r} does not exist in this cluster") from None
            data.setdefault("apiVersion", "v1")
            data.setdefault("kind", "Namespace")
            data.pop("status", None)
            (data.get("metadata") or {}).pop("managedFields", None)
            ns_objects[name] = data
    else:
        try:
            for data in client.list(NAMESPACES):
                ns_objects[_name(data)] = data
        except Forbidden as exc:
            warnings.append((-1, "", f"cannot list namespaces, so their PSS labels are unknown: {exc}"))
        if lists.progress is not None:
            lists.progress.namespaces = len(ns_objects)

    rank = {r.plural: i for i, r in enumerate((*RESOURCES, *CLUSTER_RBAC))}
    listed: Counter[str] = Counter()
    missing: set[str] = set()
    rbac_unknown: list[str] = []
    per_namespace: list[Resource] = []
    first = list(NAMESPACED_RBAC if chosen else RESOURCES)
    if chosen:
        per_namespace = [r for r in RESOURCES if r not in NAMESPACED_RBAC]
    for (resource, _), outcome in lists.run([(r, None) for r in (*CLUSTER_RBAC, *first)]).items():
        if isinstance(outcome, int):
            listed[resource.plural] += outcome
        elif resource in CLUSTER_RBAC:
            why = ("not served by this cluster" if isinstance(outcome, NotFound)
                   else "forbidden" if isinstance(outcome, Forbidden) else "the API server kept failing")
            rbac_unknown.append(f"{resource.plural} could not be listed ({why})")
            warnings.append((rank[resource.plural], "", f"cannot list {resource.plural}, so the rbac family says "
                             f"unknown (what service accounts may do is not judged): {outcome}"))
        elif isinstance(outcome, NotFound):
            missing.add(resource.kind)
        else:
            per_namespace.append(resource)  # forbidden, or failing: one namespace at a time
            if isinstance(outcome, GaveUp):
                warnings.append((rank[resource.plural], "", f"listing {resource.plural} cluster-wide failed "
                                 f"({outcome}); listed namespace by namespace instead"))
    known = chosen or sorted(ns_objects) or sorted(set(lists.spool.namespaces) - {""}
                                                  | ({context_namespace} if context_namespace else set()))
    per_namespace.sort(key=lambda r: rank[r.plural])
    tasks = [(r, ns) for r in per_namespace for ns in known]
    pod_lists_ok = listed["pods"] > 0 or (PODS not in per_namespace and "Pod" not in missing)
    for (resource, scope), outcome in lists.run(tasks).items():
        assert scope is not None
        if isinstance(outcome, int):
            listed[resource.plural] += outcome
            pod_lists_ok = pod_lists_ok or resource is PODS
        elif isinstance(outcome, NotFound):
            missing.add(resource.kind)
        elif isinstance(outcome, Forbidden):
            forbidden[scope].append(resource.plural)
            rbac = (" (the rbac family says unknown there; grants made there to other namespaces' "
                    "service accounts are not seen)") if resource in NAMESPACED_RBAC else ""
            warnings.append((rank[resource.plural], scope, f"cannot list {resource.plural} in namespace {scope}; "
                             f"the audit goes on without them{rbac}: {outcome}"))
        else:
            failed[scope][resource.plural] = str(outcome)
    for resource in per_namespace:
        if not known and resource.kind not in missing:
            warnings.append((rank[resource.plural], "", f"cannot list {resource.plural} in the cluster and no "
                             "namespace is known to list them in; the audit goes on without them"))
            if resource in NAMESPACED_RBAC:
                rbac_unknown.append(f"{resource.plural} could not be listed (forbidden)")
    for kind in sorted(missing, key=lambda k: [r.kind for r in RESOURCES].index(k)):
        if kind in (ROLES.kind, ROLE_BINDINGS.kind):
            rbac_unknown.append(f"{kind} objects are not served by this cluster")
        if kind == "SecretProviderClass":
            notes.append("SecretProviderClass is not served by this cluster (the Secrets Store "
                         "CSI driver is not installed): no Key Vault objects to check")
        else:
            plural = next(r.plural for r in RESOURCES if r.kind == kind)
            warnings.append((rank[plural], "", f"{plural}: not served by this cluster"))
    if not pod_lists_ok:
        raise ClusterError("cannot list pods in any namespace (forbidden): the audit needs at "
                           "least get/list on pods")
    names = set(chosen) or set(ns_objects)
    names.update(n for n in lists.spool.namespaces if n)
    if chosen:
        names &= set(chosen)
    order = [n for n in (chosen or ns_objects) if n in names]
    order += sorted(names - set(order))
    if lists.progress is not None:
        lists.progress.namespaces = len(order)
    return Snapshot(
        server=client.server,
        context=client.context,
        server_minor=client.server_minor(),
        namespaces=sorted(names),
        order=order,
        namespace_objects=ns_objects,
        spool=lists.spool,
        warnings=[w for _, _, w in sorted(warnings, key=lambda w: (w[0], known.index(w[1]) if w[1] in known else -1))],
        notes=notes,
        forbidden=dict(forbidden),
        failed=dict(failed),
        listed=dict(listed),
        rbac_unknown="; ".join(rbac_unknown) or None,
        limited=bool(chosen),
    )


# -- ownership --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    """The top of a pod's ownerReferences chain, as far as it can be followed."""

    ref: ObjectRef
    data: dict[str, Any] | None  # the owner object, when it was read in full


class Owners:
    """Follows ownerReferences (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob) by uid."""

    def __init__(self, workloads: Iterable[dict[str, Any]]) -> None:
        self.by_uid: dict[str, dict[str, Any]] = {}
        for obj in workloads:
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


# -- evaluating, one namespace at a time ----------------------------------------------------


@dataclass(slots=True)
class NamespaceAudit:
    """One namespace's report part (None when nothing was read there) and its readiness;
    the cluster-scoped objects' part has ``namespace`` "" and no readiness."""

    namespace: str
    result: FileResult | None
    readiness: readiness.NamespaceReadiness | None


def source_name(namespace: str | None) -> str:
    """Where a cluster object's findings are filed (reports group by it)."""
    return f"namespace/{namespace}" if namespace else "cluster"


def newest_minor(snapshot: Snapshot, registry: Registry) -> int:
    """The policy version readiness is judged at: the cluster's, as far as podwarden knows."""
    return registry.minor(Version(snapshot.server_minor) if snapshot.server_minor else None)


@dataclass(slots=True)
class _Run:
    """What every namespace's evaluation shares."""

    engine: Engine
    #: the same rules without the rbac family, for where RBAC could not be read (made when needed)
    blind: Engine | None
    selection: Selection
    registry: Registry
    judge: readiness.Judge
    tried: list[int]
    newest: int
    #: SecretProviderClasses: few, and rules look for one of a name in other namespaces too
    spcs: list[KubeObject]
    #: ClusterRoles and ClusterRoleBindings: few, and every namespace's grants need them
    cluster_rbac: list[KubeObject]
    #: RoleBindings naming other namespaces' accounts, with their Roles, by target namespace
    foreign: dict[str, list[tuple[str, dict[str, Any]]]]
    #: the rbac family runs (the readiness column is judged)
    rbac: bool

    def engine_for(self, unknown: str | None) -> Engine:
        if unknown is None or not self.rbac:
            return self.engine
        if self.blind is None:
            self.blind = Engine(cluster_rbac.without_rbac(self.selection), self.registry)
        return self.blind


def evaluate(snapshot: Snapshot, selection: Selection, registry: Registry,
             progress: Progress | None = None) -> Iterator[NamespaceAudit]:
    """Evaluate the snapshot: cluster-scoped RBAC objects first, then namespace by
    namespace, in the order listed."""
    engine = Engine(selection, registry)
    newest = newest_minor(snapshot, registry)
    rbac = any(r.startswith(cluster_rbac.FAMILY + "/") for r in engine.rule_ids)
    spool = snapshot.spool
    run = _Run(
        engine=engine, blind=None, selection=selection, registry=registry, judge=readiness.Judge(registry),
        tried=readiness.versions(registry, newest), newest=newest,
        spcs=[KubeObject(o) for ns in snapshot.order for o in spool.read(ns, "SecretProviderClass")
              if not object_problem(o)],
        cluster_rbac=[KubeObject(o) for kind in CLUSTER_KINDS for o in spool.read("", kind) if not object_problem(o)],
        foreign=cluster_rbac.foreign_grants(spool, list(spool.namespaces)) if engine.uses_index else {},
        rbac=rbac,
    )
    cluster_part = _cluster_audit(snapshot, run)
    if cluster_part is not None:
        yield cluster_part
    for namespace in snapshot.order:
        yield _namespace_audit(snapshot, namespace, run, progress)
        if progress is not None:
            progress.evaluated(namespaces=1)


def _cluster_audit(snapshot: Snapshot, run: _Run) -> NamespaceAudit | None:
    """The cluster-scoped objects (ClusterRoles, ClusterRoleBindings), evaluated once."""
    if not any(snapshot.spool.count("", kind) for kind in CLUSTER_KINDS):
        return None
    name = source_name(None)
    engine = run.engine_for(snapshot.rbac_unknown)
    if engine.uses_index:
        index = Index()
        for obj in run.cluster_rbac:
            index.add(obj, name)
        engine.context.index = index
    fold = _Fold(name, snapshot.rbac_unknown if run.rbac else None)
    audited = {*snapshot.order, cluster_rbac.EVERYWHERE}
    for kind in CLUSTER_KINDS:
        for data in snapshot.spool.read("", kind):
            # with -n: only the bindings that grant to the audited namespaces' accounts
            if not snapshot.limited or (kind == "ClusterRoleBinding" and cluster_rbac.targets(data) & audited):
                fold.evaluate(engine, data, None)
    if not fold.seen:
        return None
    result = fold.finish(Counter())
    result.continued = True  # not a namespace: summaries count namespaces as their sources
    return NamespaceAudit("", result, None)


def _namespace_audit(snapshot: Snapshot, namespace: str, run: _Run, progress: Progress | None) -> NamespaceAudit:
    spool = snapshot.spool
    name = source_name(namespace)
    ns_object = snapshot.namespace_objects.get(namespace)
    why = None
    if "pods" in snapshot.forbidden.get(namespace, []):
        why = "pods could not be listed here (forbidden)"
    elif "pods" in snapshot.failed.get(namespace, {}):
        why = "pods could not be listed here (the API server kept failing)"
    judge = run.judge
    verdict = readiness.NamespaceJudge(judge, namespace, ns_object, run.tried, run.newest,
                                       namespaces_read=bool(snapshot.namespace_objects), pods_listed=why)
    unknown = snapshot.rbac_unknown_in(namespace)
    engine = run.engine_for(unknown)
    supporting = ([ns_object] if ns_object is not None else []) + [
        o for kind in SUPPORTING_KINDS for o in spool.read(namespace, kind)]
    owned = {kind: list(spool.read(namespace, kind)) for kind in sorted(WORKLOAD_KINDS)}
    owners = Owners(o for objs in owned.values() for o in objs)
    index = None
    if engine.uses_index:
        index = Index()
        for data in supporting:
            if not object_problem(data):
                index.add(KubeObject(data), name)
        for spc in run.spcs:
            index.add(spc, source_name(spc.ref.namespace))
        for obj in run.cluster_rbac:
            index.add(obj, source_name(None))
        for home, data in [*run.foreign.get(namespace, ()), *run.foreign.get(cluster_rbac.EVERYWHERE, ())]:
            if home != namespace:
                index.add(KubeObject(data), source_name(home))
        engine.context.index = index
    column = cluster_rbac.Column(index, judge_minor(run), unknown or why) if run.rbac else None
    workloads = [o for kind in sorted(WORKLOAD_KINDS) for o in owned[kind]
                 if owners.top(o) is None and o.get("spec") is not None]
    del owned  # owners keeps what ownership needs
    fold = _Fold(name, unknown if run.rbac else None)
    for plural, reason in snapshot.failed.get(namespace, {}).items():
        fold.seen = True  # never lose a namespace silently: its report says what is missing
        fold.errors.append(InputError(name, 0, f"cannot list {plural} here even after retries, so they "
                                               f"are not audited: {reason}"))
    for data in [*supporting, *workloads]:
        fold.evaluate(engine, data, None)
    del supporting
    pod_counts: Counter[ObjectRef] = Counter()
    pods = 0
    judge.forget()
    for pod in spool.read(namespace, "Pod"):
        owner = owners.top(pod)
        pod_shape = Shape(pod) if is_pod(pod) else None
        fold.evaluate(engine, pod, owner, pod_shape)
        target = owner.ref if owner else _ref(pod)
        pod_counts[target] += 1
        verdict.add(pod, str(owner.ref) if owner else None, True, pod_shape)
        if column is not None:
            column.add(target, pod, pod_shape.key if pod_shape is not None else None)
        pods += 1
        if progress is not None and pods % 500 == 0:
            progress.evaluated(pods=500)
    if progress is not None:
        progress.evaluated(pods=pods % 500)
    for workload in workloads:  # idle workloads are judged by their template
        if not pod_counts.get(_ref(workload)) and workload.get("kind") != "Job":
            verdict.add(workload, str(_ref(workload)), False)
            if column is not None:
                column.add(_ref(workload), workload)
    result = fold.finish(pod_counts) if fold.seen else None
    done = verdict.finish()
    if column is not None:
        done.rbac = readiness.RbacReach(len(column.workloads),
                                        None if column.unknown else len(column.dangerous), column.unknown)
    return NamespaceAudit(namespace, result, done)


def judge_minor(run: _Run) -> int:
    """The Kubernetes minor version the rbac family resolves built-in roles for (as its
    rules and the blast radius do: the newest it knows when none is selected)."""
    version = run.selection.version
    return version.minor if version is not None else NEWEST_RBAC


class _Fold:
    """Evaluates a namespace's objects one at a time and reports each workload once: its
    pods' findings merged (with the number of pods having each), paths moved into its pod
    template, and its own findings."""

    def __init__(self, source: str, rbac_unknown: str | None = None) -> None:
        self.source = source
        #: why RBAC could not be read here: blast radii then say the API reach is unknown
        self.rbac_unknown = rbac_unknown
        self.seen = False
        self._raw = FileResult(source)
        self.errors: list[InputError] = []
        self.silenced: dict[tuple[ObjectRef, str, str], Suppressed] = {}
        self.groups: dict[ObjectRef, dict[tuple[str, str, str, str], tuple[Finding, int]]] = {}
        self.files: dict[ObjectRef, str] = {}
        self.own: dict[ObjectRef, list[Finding]] = {}
        self.is_pod: dict[ObjectRef, bool] = {}
        #: blast radii (with --blast-radius): of the running pods (the worst), of the object itself
        self.pod_blast: dict[ObjectRef, BlastRadius] = {}
        self.own_blast: dict[ObjectRef, BlastRadius] = {}
        #: evaluations of pods by shape (placeholders for per-pod strings), without errors
        self._memo: dict[bytes, tuple[bool, list[Finding], list[Suppressed], BlastRadius | None]] = {}

    def evaluate(self, engine: Engine, data: dict[str, Any], owner: Owner | None,
                 shape: Shape | None = None) -> None:
        """Evaluate one object (a pod with its top ``owner``, and its ``shape``: replicas
        are evaluated once) and fold its findings in."""
        self.seen = True
        raw = self._raw
        problem = object_problem(data)
        if problem:
            self.errors.append(InputError(self.source, 0, problem))
            return
        remembered = self._memo.get(shape.key) if shape is not None else None
        if shape is not None and remembered is not None:
            ref = _ref(data)
            pod_flag, findings, suppressed, blast = remembered
            raw.findings = [_own(f, ref, shape) for f in findings]
            raw.suppressed = [Suppressed(_own(s.finding, ref, shape), s.reason) for s in suppressed]
            raw.objects = [ObjectResult(self.source, ref, 0, pod_flag, raw.findings, blast)]
        else:
            engine.evaluate(KubeObject(data), yamlload.Document(0, data, None, 0), self.source, raw)
            if shape is not None and not raw.errors and len(raw.objects) == 1:
                if len(self._memo) >= LIMIT:
                    self._memo.clear()
                self._memo[shape.key] = (raw.objects[0].pod, [_generic(f, shape) for f in raw.objects[0].findings],
                                         [Suppressed(_generic(s.finding, shape), s.reason) for s in raw.suppressed],
                                         raw.objects[0].blast)
        self.errors.extend(raw.errors)
        for o in raw.objects:
            self._object(o, owner if o.object.kind == "Pod" else None)
        for s in raw.suppressed:
            self._suppressed(s, owner if s.finding.object.kind == "Pod" else None)
        raw.objects.clear()
        raw.findings.clear()
        raw.suppressed.clear()
        raw.errors.clear()

    def _suppressed(self, s: Suppressed, owner: Owner | None) -> None:
        if owner is not None:
            f = s.finding
            path = _into_template(_TEMPLATE.get(owner.ref.kind, ""), f.path)
            s = Suppressed(f.replace(object=owner.ref, path=path), s.reason)
        self.silenced.setdefault((s.finding.object, s.finding.rule_id, s.finding.path), s)

    def _object(self, o: ObjectResult, owner: Owner | None) -> None:
        target = owner.ref if owner else o.object
        if target not in self.groups:
            self.groups[target] = {}
            self.files[target] = o.file
            self.is_pod[target] = o.pod
        if o.blast is not None:
            blasts = self.own_blast if owner is None and o.object.kind != "Pod" else self.pod_blast
            seen_blast = blasts.get(target)
            if seen_blast is None or o.blast.severity > seen_blast.severity:
                blasts[target] = o.blast  # a workload's pods may differ (a rollout): the worst
        if owner is None:
            self.own.setdefault(target, []).extend(o.findings)
            return
        prefix = _TEMPLATE.get(owner.ref.kind, "")
        merged = self.groups[target]
        for f in o.findings:
            path = _into_template(prefix, f.path)
            key = (f.rule_id, path, f.message, f.secret or "")
            seen = merged.get(key)
            if seen is None:
                merged[key] = (f.replace(object=target, path=path), 1)
            else:
                merged[key] = (seen[0], seen[1] + 1)

    def finish(self, pod_counts: Counter[ObjectRef]) -> FileResult:
        out = FileResult(self.source, errors=self.errors, suppressed=list(self.silenced.values()))
        for target, merged in self.groups.items():
            total = pod_counts.get(target, 0)
            findings: list[Finding] = [_with_pods(f, n, total) for f, n in merged.values()]
            for f in self.own.get(target, []):
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
            blast = self.pod_blast.get(target) or self.own_blast.get(target)
            if self.rbac_unknown is not None:
                blast = cluster_rbac.blind(blast, self.rbac_unknown)
            out.objects.append(ObjectResult(self.files[target], target, 0, self.is_pod[target] or total > 0,
                                            findings, blast))
        return out


def _generic(f: Finding, shape: Shape) -> Finding:
    """A pod's finding as any of its replicas would have it (placeholders, no object)."""
    return f.replace(message=shape.generic(f.message), path=shape.generic(f.path))


def _own(f: Finding, ref: ObjectRef, shape: Shape) -> Finding:
    """A remembered finding given to one pod: its object, its own strings."""
    if not shape.subs:
        return f.replace(object=ref)
    return f.replace(object=ref, message=shape.own(f.message), path=shape.own(f.path))


def _with_pods(f: Finding, n: int, total: int) -> Finding:
    if n == 0:
        note = f" (in the template, on none of its {total} running pods)"
    else:
        note = f" ({n} of {total} pod{'s' if total != 1 else ''})"
    return f.replace(message=f.message + note, pods=n)


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

