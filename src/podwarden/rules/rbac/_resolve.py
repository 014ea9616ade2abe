"""From a pod to what its service account may do: bindings, roles, aggregation, hazards.

Private to the family (the registry skips ``_`` modules); ``podwarden.rules.blast`` reads
it too.  Matching follows the API server's RBAC authorizer
(plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/apis/rbac/v1/evaluation_helpers.go):

* a subject names the service account by name and namespace (a RoleBinding's subject
  without a namespace is in the binding's), or the user
  ``system:serviceaccount:<ns>:<name>``, or one of its groups ``system:serviceaccounts``,
  ``system:serviceaccounts:<ns>``, ``system:authenticated``;
* a ClusterRoleBinding grants its ClusterRole everywhere; a RoleBinding (of any namespace,
  naming an account of any namespace) grants its Role, or a ClusterRole, in its own
  namespace only (cluster-scoped resources not at all, except that namespace's Namespace
  object);
* ``*`` matches every verb, group or resource; ``*/<sub>`` every resource's subresource;
  ``resourceNames`` limit a rule to those objects, so such a rule never grants ``create``
  of a top-level resource (its name is not known when it is authorized).

Objects without a namespace are taken to be in ``default``, where ``kubectl apply``
without ``-n`` puts them (a Role a binding names is found in any namespace, as the index
finds every referenced object).  Results are computed once per service account and run,
and kept in ``Index.derived``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from podwarden.model.index import (
    DEFAULT_NAMESPACE,
    DEFAULT_SERVICE_ACCOUNT,
    BindingRecord,
    Index,
    PolicyRule,
    RoleRecord,
    service_account_name,
)
from podwarden.model.record import Record
from podwarden.rules.api import Context, FieldPath, PodView, Severity, SharedCheck, Violation
from podwarden.rules.rbac._builtin import (
    NEWEST,
    builtin_role,
    builtin_roles,
    is_builtin_name,
    is_builtin_role,
)

#: how every workload rule of the family finds what a service account may do: the shared
#: paragraph of their docs, written once (``{reach}`` in their docstrings)
REACH_DOC = """\
The workload's service account (`spec.serviceAccountName`, legacy `spec.serviceAccount`,
in the pod's namespace) is followed to every RoleBinding and ClusterRoleBinding naming it
(as a ServiceAccount subject or as the user `system:serviceaccount:<ns>:<name>`) and on
to their Roles and ClusterRoles: aggregated ClusterRoles included, built-in ones
(`cluster-admin`, `admin`, `edit`, `view`, `system:...`) known by name for the selected
`--k8s-version`. Grants to a namespace's `default` account or to groups
(`system:serviceaccounts[:<ns>]`, `system:authenticated`) are shared by many workloads
and reported once, on the binding (`rbac/broad-grant`, `rbac/cluster-admin-binding`).
"""


def with_reach(doc: str | None) -> str:
    """A rule module's docstring with ``{reach}`` replaced by ``REACH_DOC``."""
    return (doc or "").replace("{reach}\n", REACH_DOC)


SA_USER_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
#: groups every service account (or everyone) is in: binding to them binds to all
BROAD_GROUPS = frozenset({ALL_SERVICE_ACCOUNTS, AUTHENTICATED, UNAUTHENTICATED})
EVERYTHING = "full-api-access"


def minor_of(ctx: Context) -> int:
    return ctx.version.minor if ctx.version is not None else NEWEST


# -- roles ------------------------------------------------------------------------------


def cluster_roles(index: Index, minor: int) -> dict[str, RoleRecord]:
    """Every ClusterRole by name: the built-in ones and the input's.

    An input ClusterRole named like a built-in one adds to it: the API server restores the
    built-in rules and labels at every start (reconciliation), unless the role is annotated
    ``rbac.authorization.kubernetes.io/autoupdate: "false"``.
    """
    key = ("rbac/cluster-roles", minor)
    found: dict[str, RoleRecord] | None = index.derived.get(key)
    if found is None:
        found = dict(builtin_roles(minor))
        for role in index.cluster_roles():
            builtin = found.get(role.name)
            if builtin is not None and builtin.file == "built-in" and role.autoupdate:
                role = role.replace(rules=tuple(dict.fromkeys((*builtin.rules, *role.rules))),
                               labels=tuple(sorted(set(builtin.labels) | set(role.labels))),
                               aggregation=builtin.aggregation or role.aggregation)
            found[role.name] = role
        index.derived[key] = found
    return found


def find_role(index: Index, kind: str, namespace: str | None, name: str, minor: int) -> RoleRecord | None:
    """The Role or ClusterRole a binding names (input first, then the built-in ones)."""
    if kind == "ClusterRole":
        return cluster_roles(index, minor).get(name)
    if kind == "Role":
        return index.role("Role", namespace, name) or builtin_role(namespace or DEFAULT_NAMESPACE, name)
    return None


def effective_rules(index: Index, role: RoleRecord, minor: int) -> tuple[PolicyRule, ...]:
    """A role's rules, with those of the ClusterRoles its ``aggregationRule`` selects (and
    theirs, recursively), as the aggregation controller fills them in."""
    key = ("rbac/rules", role.kind, role.namespace, role.name, minor)
    found: tuple[PolicyRule, ...] | None = index.derived.get(key)
    if found is not None:
        return found
    rules: dict[PolicyRule, None] = dict.fromkeys(role.rules)
    if role.aggregation is not None:
        pending, seen = [role], {role.name}
        everyone = cluster_roles(index, minor)
        while pending:
            current = pending.pop()
            for other in everyone.values():
                if other.name in seen or current.aggregation is None:
                    continue
                if any(s.matches(other.label_map) for s in current.aggregation):
                    seen.add(other.name)
                    rules.update(dict.fromkeys(other.rules))
                    pending.append(other)
    found = index.derived[key] = tuple(rules)
    return found


# -- grants -----------------------------------------------------------------------------


class Grant(Record):
    """What one binding gives a service account."""

    __slots__ = ("binding", "cluster_wide", "rules", "shared", "status")
    _fields = ("binding", "rules", "cluster_wide", "status", "shared")
    binding: BindingRecord
    #: the role's rules (aggregated); empty when the role is missing or not modelled
    rules: tuple[PolicyRule, ...]
    cluster_wide: bool
    #: ``ok``; ``missing`` (not in the input, not built in); ``opaque`` (built in, not modelled)
    status: str
    #: granted to many workloads at once (a group, or a namespace's ``default`` account),
    #: not to this workload's own service account: reported once, on the binding
    shared: bool

    def __init__(self, binding: BindingRecord, rules: tuple[PolicyRule, ...], cluster_wide: bool,
                 status: str = "ok", shared: bool = False) -> None:
        put = object.__setattr__
        put(self, "binding", binding)
        put(self, "rules", rules)
        put(self, "cluster_wide", cluster_wide)
        put(self, "status", status)
        put(self, "shared", shared)

    @property
    def namespace(self) -> str:
        return self.binding.namespace or DEFAULT_NAMESPACE

    def via(self) -> str:
        """``ClusterRoleBinding "x" (ClusterRole "edit")``."""
        b = self.binding
        where = f"{b.namespace}/" if b.kind == "RoleBinding" and b.namespace else ""
        return f'{b.kind} "{where}{b.name}" ({b.role_kind} "{b.role_name}")'


def subject_match(binding: BindingRecord, namespace: str, name: str) -> str:
    """How a binding names the service account ``namespace/name``: ``own`` (the account
    itself, unless it is the namespace's ``default``), ``shared`` (a group it is in, or the
    ``default`` account), or "" (not at all)."""
    own = (binding.namespace or DEFAULT_NAMESPACE) if binding.kind == "RoleBinding" else None
    user = f"{SA_USER_PREFIX}{namespace}:{name}"
    groups = (ALL_SERVICE_ACCOUNTS, AUTHENTICATED, f"{ALL_SERVICE_ACCOUNTS}:{namespace}")
    kind = ""
    for s in binding.subjects:
        if s.kind == "ServiceAccount":
            # a ClusterRoleBinding's subject must carry its namespace (the API requires it)
            if s.name == name and (s.namespace or own or DEFAULT_NAMESPACE) == namespace:
                kind = "shared" if name == DEFAULT_SERVICE_ACCOUNT else "own"
        elif s.kind == "User" and s.name == user:
            kind = "shared" if name == DEFAULT_SERVICE_ACCOUNT else "own"
        elif s.kind == "Group" and s.name in groups:
            kind = kind or "shared"
        if kind == "own":
            break
    return kind


def grants_of(index: Index, namespace: str, name: str, minor: int) -> tuple[Grant, ...]:
    """Every binding that gives the service account ``namespace/name`` something, in input order."""
    key = ("rbac/grants", namespace, name, minor)
    found: tuple[Grant, ...] | None = index.derived.get(key)
    if found is not None:
        return found
    candidates = index.bindings_naming([
        ("ServiceAccount", name), ("User", f"{SA_USER_PREFIX}{namespace}:{name}"),
        ("Group", ALL_SERVICE_ACCOUNTS), ("Group", f"{ALL_SERVICE_ACCOUNTS}:{namespace}"),
        ("Group", AUTHENTICATED),
    ])
    out = []
    for b in candidates:
        # a RoleBinding of any namespace may name this account: it then acts there
        how = subject_match(b, namespace, name)
        if not how:
            continue
        shared = how == "shared"
        if b.kind == "ClusterRoleBinding" and b.role_kind != "ClusterRole":
            continue  # the API server refuses it; it grants nothing
        role = find_role(index, b.role_kind, b.namespace or DEFAULT_NAMESPACE, b.role_name, minor)
        cluster_wide = b.kind == "ClusterRoleBinding"
        if role is None:
            builtin = is_builtin_name(b.role_name) if b.role_kind == "ClusterRole" else \
                is_builtin_role(b.namespace or DEFAULT_NAMESPACE, b.role_name)
            status = "opaque" if builtin else "missing"
            out.append(Grant(b, (), cluster_wide, status, shared))
        else:
            out.append(Grant(b, effective_rules(index, role, minor), cluster_wide, shared=shared))
    found = index.derived[key] = tuple(out)
    return found


# -- matching ---------------------------------------------------------------------------


def _resource_ok(rule: PolicyRule, resource: str) -> bool:
    if "*" in rule.resources or resource in rule.resources:
        return True
    _, slash, sub = resource.partition("/")
    return bool(slash) and f"*/{sub}" in rule.resources


def grants_verb(rule: PolicyRule, verb: str, group: str, resource: str) -> bool:
    """Whether one rule allows ``verb`` on ``group``/``resource`` (some object of it)."""
    if not ("*" in rule.verbs or verb in rule.verbs):
        return False
    if not ("*" in rule.api_groups or group in rule.api_groups):
        return False
    if not _resource_ok(rule, resource):
        return False
    # a name-limited rule cannot allow what is authorized before the object has a name
    return not (rule.resource_names and verb in ("create", "deletecollection") and "/" not in resource)


class Need(Record):
    """Some verb of ``verbs`` on some resource of ``resources`` in one of ``groups``."""

    __slots__ = ("cluster_only", "groups", "resources", "verbs")
    _fields = ("verbs", "groups", "resources", "cluster_only")
    verbs: tuple[str, ...]
    groups: tuple[str, ...]
    resources: tuple[str, ...]
    #: cluster-scoped resources: a RoleBinding cannot grant them
    cluster_only: bool

    def __init__(self, verbs: tuple[str, ...], groups: tuple[str, ...], resources: tuple[str, ...],
                 cluster_only: bool = False) -> None:
        put = object.__setattr__
        put(self, "verbs", verbs)
        put(self, "groups", groups)
        put(self, "resources", resources)
        put(self, "cluster_only", cluster_only)


class Match(Record):
    """The verbs and resources a grant allows of a hazard, and whether only named objects."""

    __slots__ = ("named_only", "resources", "verbs")
    _fields = ("verbs", "resources", "named_only")
    verbs: tuple[str, ...]
    resources: tuple[str, ...]
    named_only: bool

    def __init__(self, verbs: tuple[str, ...], resources: tuple[str, ...], named_only: bool) -> None:
        put = object.__setattr__
        put(self, "verbs", verbs)
        put(self, "resources", resources)
        put(self, "named_only", named_only)

    def describe(self, limit: int = 4) -> str:
        more = f" and {len(self.resources) - limit} more" if len(self.resources) > limit else ""
        return f"{', '.join(self.verbs)} on {', '.join(self.resources[:limit])}{more}"


def match(rules: Sequence[PolicyRule], needs: Sequence[Need], cluster_wide: bool,
          all_of: bool = False) -> Match | None:
    """What ``rules`` allow of ``needs`` (any of them; all of them with ``all_of``)."""
    verbs: dict[str, None] = {}
    resources: dict[str, None] = {}
    named = True
    met = 0
    for need in needs:
        if need.cluster_only and not cluster_wide:
            if all_of:
                return None
            continue
        hit = False
        for rule in rules:
            if rule.non_resource_urls and not rule.resources:
                continue
            for group in need.groups:
                for resource in need.resources:
                    for verb in need.verbs:
                        if grants_verb(rule, verb, group, resource):
                            hit = True
                            verbs[verb] = None
                            resources[resource] = None
                            named = named and bool(rule.resource_names)
        if hit:
            met += 1
        elif all_of:
            return None
    if not met:
        return None
    return Match(tuple(verbs), tuple(resources), named)


def allows_everything(rules: Iterable[PolicyRule]) -> bool:
    """A rule of ``*`` verbs on ``*`` resources of ``*`` groups, for every object."""
    return any("*" in r.verbs and "*" in r.api_groups and "*" in r.resources and not r.resource_names
               for r in rules)


# -- hazards ----------------------------------------------------------------------------


class Hazard(Record):
    """A dangerous permission class: one rule of the family."""

    __slots__ = ("all_of", "cluster", "namespaced", "needs", "slug", "what")
    _fields = ("slug", "what", "needs", "cluster", "namespaced", "all_of")
    slug: str
    #: "read Secrets": what the service account may do
    what: str
    needs: tuple[Need, ...]
    cluster: Severity
    namespaced: Severity
    all_of: bool

    def __init__(self, slug: str, what: str, needs: tuple[Need, ...], cluster: Severity, namespaced: Severity,
                 all_of: bool = False) -> None:
        put = object.__setattr__
        put(self, "slug", slug)
        put(self, "what", what)
        put(self, "needs", needs)
        put(self, "cluster", cluster)
        put(self, "namespaced", namespaced)
        put(self, "all_of", all_of)


CORE = ("",)
WORKLOAD_VERBS = ("create", "update", "patch")

HAZARDS: dict[str, Hazard] = {h.slug: h for h in (
    Hazard(EVERYTHING, "do anything (every verb on every resource)", (), Severity.CRITICAL, Severity.HIGH),
    Hazard("secret-read", "read Secrets", (Need(("get", "list", "watch"), CORE, ("secrets",)),),
           Severity.HIGH, Severity.MEDIUM),
    Hazard("workload-create", "create pods or workloads", (
        Need(("create",), CORE, ("pods",)),
        Need(WORKLOAD_VERBS, CORE, ("replicationcontrollers",)),
        Need(WORKLOAD_VERBS, ("apps",), ("deployments", "replicasets", "statefulsets", "daemonsets")),
        Need(WORKLOAD_VERBS, ("batch",), ("jobs", "cronjobs")),
    ), Severity.HIGH, Severity.MEDIUM),
    Hazard("pod-exec", "run commands in or attach to running pods", (
        # WebSocket upgrades have been authorized as get: both verbs are exec
        Need(("create", "get"), CORE, ("pods/exec", "pods/attach", "pods/portforward")),
        Need(("patch", "update"), CORE, ("pods/ephemeralcontainers",)),
    ), Severity.HIGH, Severity.MEDIUM),
    Hazard("escalation-verbs", "escalate, bind or impersonate", (
        Need(("escalate", "bind"), ("rbac.authorization.k8s.io",), ("roles", "clusterroles")),
        Need(("impersonate",), CORE, ("serviceaccounts",)),
        Need(("impersonate",), CORE, ("users", "groups"), cluster_only=True),
        Need(("impersonate",), ("authentication.k8s.io",), ("uids", "userextras"), cluster_only=True),
    ), Severity.CRITICAL, Severity.MEDIUM),
    Hazard("token-request", "request tokens for other service accounts",
           (Need(("create",), CORE, ("serviceaccounts/token",)),), Severity.HIGH, Severity.MEDIUM),
    Hazard("node-proxy", "reach the kubelet API of every node (nodes/proxy)",
           (Need(("get", "create", "update", "patch", "delete"), CORE, ("nodes/proxy",), cluster_only=True),),
           Severity.CRITICAL, Severity.CRITICAL),
    Hazard("csr-signing", "create and approve certificate signing requests", (
        Need(("create",), ("certificates.k8s.io",), ("certificatesigningrequests",), cluster_only=True),
        Need(("update", "patch"), ("certificates.k8s.io",), ("certificatesigningrequests/approval",),
             cluster_only=True),
        Need(("approve",), ("certificates.k8s.io",), ("signers",), cluster_only=True),
    ), Severity.CRITICAL, Severity.CRITICAL, all_of=True),
    Hazard("admission-webhook-write", "change admission webhook configurations", (
        Need(("create", "update", "patch", "delete"), ("admissionregistration.k8s.io",),
             ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"), cluster_only=True),
    ), Severity.HIGH, Severity.HIGH),
    Hazard("namespace-write", "relabel namespaces (switching Pod Security Admission off)",
           (Need(("patch", "update"), CORE, ("namespaces",)),), Severity.HIGH, Severity.MEDIUM),
    Hazard("persistent-volume-create", "create PersistentVolumes (hostPath on any node)",
           (Need(("create",), CORE, ("persistentvolumes",), cluster_only=True),),
           Severity.HIGH, Severity.HIGH),
)}


class Reach(Record):
    """One hazard a service account reaches, through which grants, how far."""

    __slots__ = ("cluster_wide", "grants", "hazard", "named_only")
    _fields = ("hazard", "cluster_wide", "named_only", "grants")
    hazard: Hazard
    cluster_wide: bool
    named_only: bool
    grants: tuple[tuple[Grant, Match | None], ...]

    def __init__(self, hazard: Hazard, cluster_wide: bool, named_only: bool,
                 grants: tuple[tuple[Grant, Match | None], ...]) -> None:
        put = object.__setattr__
        put(self, "hazard", hazard)
        put(self, "cluster_wide", cluster_wide)
        put(self, "named_only", named_only)
        put(self, "grants", grants)

    @property
    def severity(self) -> Severity:
        base = self.hazard.cluster if self.cluster_wide else self.hazard.namespaced
        return Severity(max(Severity.LOW, base - 1)) if self.named_only else base

    def where(self) -> str:
        if self.cluster_wide:
            return "cluster-wide"
        spaces = sorted({g.namespace for g, _ in self.grants})
        return f'in namespace "{spaces[0]}"' if len(spaces) == 1 else "in namespaces " + ", ".join(spaces)

    def describe(self, limit: int = 3) -> str:
        """``read Secrets cluster-wide (get, list on secrets) through ClusterRoleBinding ...``."""
        first = next((m for _, m in self.grants if m is not None), None)
        how = first.describe() if first is not None else ""
        how += ", named objects only" if self.named_only else ""
        how = f" ({how})" if how else ""
        vias = [g.via() for g, _ in self.grants]
        more = f" and {len(vias) - limit} more" if len(vias) > limit else ""
        return f"{self.hazard.what} {self.where()}{how} through {', '.join(vias[:limit])}{more}"


def hazards_of(rules: Sequence[PolicyRule], cluster_wide: bool) -> dict[str, Match | None]:
    """The hazards a role's rules hold at a reach, by slug (``full-api-access``: None)."""
    out: dict[str, Match | None] = {}
    if allows_everything(rules):
        out[EVERYTHING] = None
    for hazard in HAZARDS.values():
        if hazard.needs:
            m = match(rules, hazard.needs, cluster_wide, hazard.all_of)
            if m is not None:
                out[hazard.slug] = m
    return out


def reaches(index: Index, namespace: str, name: str, minor: int, shared: bool = True) -> dict[str, Reach]:
    """Every hazard the service account ``namespace/name`` reaches, by hazard slug;
    ``shared=False`` counts only the grants to the account itself."""
    key = ("rbac/reaches", namespace, name, minor, shared)
    found: dict[str, Reach] | None = index.derived.get(key)
    if found is not None:
        return found
    hits: dict[str, list[tuple[Grant, Match | None]]] = {}
    for grant in grants_of(index, namespace, name, minor):
        if grant.shared and not shared:
            continue
        for slug, m in hazards_of(grant.rules, grant.cluster_wide).items():
            if not any(g.via() == grant.via() for g, _ in hits.get(slug, ())):
                hits.setdefault(slug, []).append((grant, m))
    found = {}
    for slug, pairs in hits.items():
        # worst first: cluster-wide before namespaced, every object before named ones
        pairs.sort(key=lambda p: (not p[0].cluster_wide, p[1] is not None and p[1].named_only))
        cluster_wide = pairs[0][0].cluster_wide
        named_only = all(m is not None and m.named_only for g, m in pairs if g.cluster_wide == cluster_wide)
        found[slug] = Reach(HAZARDS[slug], cluster_wide, named_only, tuple(pairs))
    index.derived[key] = found
    return found


def subsumed(found: dict[str, Reach], slug: str) -> bool:
    """Whether ``rbac/full-api-access`` already reports this hazard (at the same reach or wider)."""
    everything = found.get(EVERYTHING)
    if slug == EVERYTHING or everything is None:
        return False
    return everything.cluster_wide or not found[slug].cluster_wide


# -- the workload -----------------------------------------------------------------------


def account_of(pod: PodView) -> tuple[str, str, FieldPath]:
    """The pod's namespace (``default`` when unset), its ServiceAccount's name, and the
    field that names it (where findings point)."""
    name = service_account_name(pod)
    key = "serviceAccount" if pod.spec.has("serviceAccount") and not pod.spec.has("serviceAccountName") \
        else "serviceAccountName"
    return pod.obj.ref.namespace or DEFAULT_NAMESPACE, name, pod.spec.at(key)


def token_unmounted(pod: PodView, index: Index | None) -> str:
    """Why the pod holds no token for the API server ("" when it does).

    The pod's ``automountServiceAccountToken`` wins over its ServiceAccount's; a projected
    ``serviceAccountToken`` volume without an ``audience`` is a token for the API server
    whatever those say (one with an audience, as workload identity projects, is not).
    """
    for volume in pod.volumes():
        for source in volume.map("projected").maps("sources"):
            token = source.map("serviceAccountToken")
            if token.present and not token.raw("audience"):
                return ""
    own = pod.spec.raw("automountServiceAccountToken")
    if own is False:
        return "automountServiceAccountToken: false on the pod"
    if own is True or index is None:
        return ""
    name = service_account_name(pod)
    entry = index.lookup("ServiceAccount", pod.obj, name)
    if entry is not None and entry.obj.data.get("automountServiceAccountToken") is False:
        return f'automountServiceAccountToken: false on service account "{name}"'
    return ""


#: ``KubeObject.memo`` key of a workload's hazards (``workload_hazards``)
_WORKLOAD_HAZARDS = "rbac/workload-hazards"


class WorkloadHazards(Mapping[str, Sequence[Violation]]):
    """The violation of each hazard rule (``rbac/<slug>``) a workload's service account
    reaches and ``rbac/full-api-access`` does not already report, made when a rule asks:
    the token mount (read from the pod's volumes) is looked at only for a rule that has one."""

    __slots__ = ("_index", "_made", "_pod", "_slugs", "_unmounted", "name", "namespace", "path", "reach")

    def __init__(self, pod: PodView, index: Index, minor: int) -> None:
        self._pod = pod
        self._index = index
        self.namespace, self.name, self.path = account_of(pod)
        self.reach = reaches(index, self.namespace, self.name, minor, shared=False)
        self._slugs = {f"rbac/{slug}": slug for slug in self.reach if not subsumed(self.reach, slug)}
        self._unmounted: str | None = None
        self._made: dict[str, list[Violation]] = {}

    def __getitem__(self, rule_id: str) -> list[Violation]:
        made = self._made.get(rule_id)
        if made is None:
            reach = self.reach[self._slugs[rule_id]]  # KeyError: nothing reached
            if self._unmounted is None:
                self._unmounted = token_unmounted(self._pod, self._index)
            message = f'service account "{self.namespace}/{self.name}" may {reach.describe()}'
            severity = reach.severity
            if self._unmounted:
                message += f"; its token is not mounted ({self._unmounted}), so low while no container mounts one"
                severity = Severity.LOW
            made = self._made[rule_id] = [Violation(self.path, message, severity=severity)]
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._slugs)

    def __len__(self) -> int:
        return len(self._slugs)


_NOTHING: dict[str, list[Violation]] = {}


def workload_hazards(pod: PodView, ctx: Context) -> Mapping[str, Sequence[Violation]]:
    """The hazard rules' violations on one workload (``WorkloadHazards``): its service
    account and reach are found once, whichever of the dozen rules run (remembered for the
    index and version of ``ctx``)."""
    index = ctx.index
    if index is None:
        return _NOTHING
    minor = minor_of(ctx)
    known = pod.obj.memo.get(_WORKLOAD_HAZARDS)
    if known is None or known[0] is not index or known[1] != minor:
        known = pod.obj.memo[_WORKLOAD_HAZARDS] = (index, minor, WorkloadHazards(pod, index, minor))
    found: WorkloadHazards = known[2]
    return found


def hazard_check(rule_id: str) -> SharedCheck:
    """A workload hazard rule's check: its share of ``workload_hazards``, which the engine
    runs once for all of them."""
    return SharedCheck(rule_id, workload_hazards)


def missing_role(index: Index, binding: BindingRecord, minor: int) -> bool:
    """A binding's role is neither in the input (or ``--context``) nor built in."""
    if binding.role_kind == "ClusterRole":
        return binding.role_name not in cluster_roles(index, minor) and not is_builtin_name(binding.role_name)
    namespace = binding.namespace or DEFAULT_NAMESPACE
    return find_role(index, binding.role_kind, namespace, binding.role_name, minor) is None \
        and not is_builtin_role(namespace, binding.role_name)


