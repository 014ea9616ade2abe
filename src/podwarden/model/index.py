"""Cross-resource index: the objects of one run by kind, namespace and name.

Rules that span objects ask it for "the ServiceAccount of this pod" or "the
SecretProviderClass this volume names", with Kubernetes' defaulting applied (namespace
``default``, service account ``default``).  Only the kinds such rules need are indexed,
so the index stays small however large the run.  Nothing is kept whole: an indexed
object is a copy holding only the fields rules read of its kind (``KEPT``; a Secret's or
ConfigMap's ``data`` only by its keys), and RBAC objects (Roles, ClusterRoles and their
bindings) are compact records of the fields the ``rbac`` family reads.  Equal strings, sets
and policy rules are kept once (``Interner``): most roles repeat the same verbs and resources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from podwarden.model.objects import KubeObject
from podwarden.model.podspec import PodView
from podwarden.model.record import Record

_T = TypeVar("_T")
_V = TypeVar("_V")

#: RBAC kinds, kept as records (``RoleRecord``, ``BindingRecord``)
RBAC_ROLE_KINDS = frozenset({"Role", "ClusterRole"})
RBAC_BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
RBAC_KINDS = RBAC_ROLE_KINDS | RBAC_BINDING_KINDS
RBAC_GROUP = "rbac.authorization.k8s.io"

#: kinds worth indexing; rules needing another kind add it here
INDEX_KINDS = frozenset({"Namespace", "ServiceAccount", "SecretProviderClass", "ConfigMap", "Secret"}) | RBAC_KINDS

DEFAULT_SERVICE_ACCOUNT = "default"

DEFAULT_NAMESPACE = "default"

#: per indexed kind: the ``metadata`` fields (beyond name, generateName and namespace) and
#: the top-level fields its copy keeps, as written; rules read nothing else of it
KEPT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Namespace": (("labels",), ()),
    "ServiceAccount": (("labels", "annotations"), ("automountServiceAccountToken",)),
    "SecretProviderClass": ((), ("spec",)),
    "Secret": ((), ()),
    "ConfigMap": ((), ()),
}
#: top-level mappings kept by their keys only (every value None): rules ask which keys a
#: Secret or ConfigMap has, never what they hold
KEYS_ONLY: dict[str, tuple[str, ...]] = {"Secret": ("data", "stringData"), "ConfigMap": ("data", "stringData")}


class Entry(Record):
    """An indexed object and the file it came from."""

    __slots__ = ("file", "obj")
    _fields = ("obj", "file")
    obj: KubeObject
    file: str

    def __init__(self, obj: KubeObject, file: str) -> None:
        object.__setattr__(self, "obj", obj)
        object.__setattr__(self, "file", file)


class Interner:
    """One copy of each equal string, frozenset or record the index keeps."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: _T) -> _T:
        found: _T = self._seen.setdefault(value, value)
        return found

    def text(self, value: _V) -> _V:
        """A string interned, any other value as it is (``True == 1``: only strings are shared)."""
        return self(value) if type(value) is str else value

    def strs(self, value: Any) -> frozenset[str]:
        """The strings of a list as one shared frozenset (empty when not a list)."""
        if not isinstance(value, list):
            return _EMPTY
        return self(frozenset(self(v) for v in value if isinstance(v, str)))


_EMPTY: frozenset[str] = frozenset()


def _shape_only(value: Any) -> Any:
    """A value that is not a mapping, reduced to an empty one of its type (a rule reading it
    as a mapping fails the same way); None and scalars as they are."""
    if isinstance(value, list):
        return []
    if isinstance(value, str):
        return ""
    return value


def _keys_only(value: Any, intern: Interner) -> Any:
    if isinstance(value, dict):
        return dict.fromkeys(intern.text(k) for k in value)
    return _shape_only(value)


def _copied(value: Any, intern: Interner) -> Any:
    """A labels or annotations mapping with its strings interned (anything else as it is)."""
    if isinstance(value, dict):
        return {intern.text(k): intern.text(v) for k, v in value.items()}
    return value


def kept(obj: KubeObject, intern: Interner | None = None) -> KubeObject:
    """The copy of an indexed object the index keeps: only the fields rules read of its
    kind (``KEPT``, ``KEYS_ONLY``); its ``ref`` and path are the object's."""
    intern = intern or Interner()
    data = obj.data
    meta_keys, top_keys = KEPT.get(obj.kind, ((), ()))
    out: dict[str, Any] = {k: intern.text(data[k]) for k in ("apiVersion", "kind") if k in data}
    meta = data.get("metadata")
    if isinstance(meta, dict):
        out["metadata"] = {k: intern.text(meta[k]) if k in ("name", "generateName", "namespace")
                           else _copied(meta[k], intern)
                           for k in ("name", "generateName", "namespace", *meta_keys) if k in meta}
    elif "metadata" in data:
        out["metadata"] = _shape_only(meta)
    for key in KEYS_ONLY.get(obj.kind, ()):
        if key in data:
            out[key] = _keys_only(data[key], intern)
    for key in top_keys:
        if key in data:
            out[key] = data[key]
    return KubeObject(out, obj.path)


# -- RBAC records ------------------------------------------------------------------------


class PolicyRule(Record):
    """One entry of a Role's ``rules``; empty sets where the field is absent."""

    __slots__ = ("api_groups", "non_resource_urls", "resource_names", "resources", "verbs")
    _fields = ("verbs", "api_groups", "resources", "resource_names", "non_resource_urls")
    verbs: frozenset[str]
    api_groups: frozenset[str]
    resources: frozenset[str]
    resource_names: frozenset[str]
    non_resource_urls: frozenset[str]

    def __init__(self, verbs: frozenset[str], api_groups: frozenset[str] = _EMPTY,
                 resources: frozenset[str] = _EMPTY, resource_names: frozenset[str] = _EMPTY,
                 non_resource_urls: frozenset[str] = _EMPTY) -> None:
        put = object.__setattr__
        put(self, "verbs", verbs)
        put(self, "api_groups", api_groups)
        put(self, "resources", resources)
        put(self, "resource_names", resource_names)
        put(self, "non_resource_urls", non_resource_urls)


class LabelSelector(Record):
    """A ``clusterRoleSelectors`` entry: ``matchLabels`` and ``matchExpressions``."""

    __slots__ = ("match_expressions", "match_labels")
    _fields = ("match_labels", "match_expressions")
    match_labels: tuple[tuple[str, str], ...]
    #: (key, operator, values)
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def __init__(self, match_labels: tuple[tuple[str, str], ...] = (),
                 match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()) -> None:
        object.__setattr__(self, "match_labels", match_labels)
        object.__setattr__(self, "match_expressions", match_expressions)

    def matches(self, labels: dict[str, str]) -> bool:
        """As ``metav1.LabelSelectorAsSelector`` reads it; an empty selector matches nothing
        here (the aggregation controller skips empty selectors)."""
        if not self.match_labels and not self.match_expressions:
            return False
        if any(labels.get(k) != v for k, v in self.match_labels):
            return False
        for key, op, values in self.match_expressions:
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and key in labels and labels[key] in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return False
        return True


class RoleRecord(Record):
    """A Role or ClusterRole: its rules, labels and aggregation selectors."""

    __slots__ = ("aggregation", "autoupdate", "file", "kind", "labels", "name", "namespace", "rules")
    _fields = ("kind", "namespace", "name", "rules", "labels", "aggregation", "file", "autoupdate")
    kind: str
    namespace: str | None
    name: str
    rules: tuple[PolicyRule, ...]
    labels: tuple[tuple[str, str], ...]
    #: ``aggregationRule.clusterRoleSelectors``; None when the role does not aggregate
    aggregation: tuple[LabelSelector, ...] | None
    file: str
    #: False when annotated ``rbac.authorization.kubernetes.io/autoupdate: "false"``: the
    #: API server then leaves a built-in role's rules as written instead of restoring its own
    autoupdate: bool

    def __init__(self, kind: str, namespace: str | None, name: str, rules: tuple[PolicyRule, ...],
                 labels: tuple[tuple[str, str], ...] = (), aggregation: tuple[LabelSelector, ...] | None = None,
                 file: str = "", autoupdate: bool = True) -> None:
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "namespace", namespace)
        put(self, "name", name)
        put(self, "rules", rules)
        put(self, "labels", labels)
        put(self, "aggregation", aggregation)
        put(self, "file", file)
        put(self, "autoupdate", autoupdate)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


class Subject(Record):
    """A binding subject: ``ServiceAccount``, ``User`` or ``Group``."""

    __slots__ = ("kind", "name", "namespace")
    _fields = ("kind", "name", "namespace")
    kind: str
    name: str
    namespace: str | None

    def __init__(self, kind: str, name: str, namespace: str | None = None) -> None:
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "name", name)
        put(self, "namespace", namespace)


class BindingRecord(Record):
    """A RoleBinding or ClusterRoleBinding: where it is, what it grants, to whom."""

    __slots__ = ("file", "kind", "name", "namespace", "role_kind", "role_name", "subjects")
    _fields = ("kind", "namespace", "name", "role_kind", "role_name", "subjects", "file")
    kind: str
    namespace: str | None
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]
    file: str

    def __init__(self, kind: str, namespace: str | None, name: str, role_kind: str, role_name: str,
                 subjects: tuple[Subject, ...], file: str = "") -> None:
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "namespace", namespace)
        put(self, "name", name)
        put(self, "role_kind", role_kind)
        put(self, "role_name", role_name)
        put(self, "subjects", subjects)
        put(self, "file", file)


def _pairs(value: Any, intern: Interner) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    return intern(tuple(sorted((intern(str(k)), intern(str(v))) for k, v in value.items())))


def _selectors(value: Any, intern: Interner) -> tuple[LabelSelector, ...]:
    out = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict):
            continue
        pairs = _pairs(item.get("matchLabels"), intern)
        exprs = []
        for e in item.get("matchExpressions") or ():
            if isinstance(e, dict) and isinstance(e.get("key"), str) and isinstance(e.get("operator"), str):
                exprs.append((e["key"], e["operator"], tuple(sorted(intern.strs(e.get("values"))))))
        out.append(LabelSelector(pairs, tuple(exprs)))
    return tuple(out)


def role_record(obj: KubeObject, file: str = "", intern: Interner | None = None) -> RoleRecord:
    """The record of a Role or ClusterRole; malformed parts are left out (the index never
    fails: the object's own rules report its shape).  ``intern`` shares equal parts
    between the records of one index."""
    intern = intern or Interner()
    data = obj.data
    rules = []
    for item in data.get("rules") or ():
        if isinstance(item, dict):
            rules.append(intern(PolicyRule(
                intern.strs(item.get("verbs")), intern.strs(item.get("apiGroups")),
                intern.strs(item.get("resources")), intern.strs(item.get("resourceNames")),
                intern.strs(item.get("nonResourceURLs")))))
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    pairs = _pairs(meta.get("labels"), intern)
    annotations = meta.get("annotations")
    autoupdate = not (isinstance(annotations, dict)
                      and str(annotations.get("rbac.authorization.kubernetes.io/autoupdate")).lower() == "false")
    agg = data.get("aggregationRule")
    aggregation = _selectors(agg.get("clusterRoleSelectors"), intern) if isinstance(agg, dict) else None
    namespace = None if obj.kind == "ClusterRole" else (obj.ref.namespace or None)
    return RoleRecord(obj.kind, intern.text(namespace), intern(obj.name), intern(tuple(rules)), pairs,
                      aggregation, file, autoupdate)


def binding_record(obj: KubeObject, file: str = "", intern: Interner | None = None) -> BindingRecord:
    """The record of a RoleBinding or ClusterRoleBinding (malformed subjects left out)."""
    intern = intern or Interner()
    data = obj.data
    ref = data.get("roleRef")
    ref = ref if isinstance(ref, dict) else {}
    subjects = []
    for item in data.get("subjects") or ():
        if isinstance(item, dict) and isinstance(item.get("kind"), str) and isinstance(item.get("name"), str):
            ns = item.get("namespace")
            subjects.append(intern(Subject(intern(item["kind"]), intern(item["name"]),
                                           intern(ns) if isinstance(ns, str) and ns else None)))
    namespace = None if obj.kind == "ClusterRoleBinding" else (obj.ref.namespace or None)
    return BindingRecord(obj.kind, intern.text(namespace), intern(obj.name), intern(str(ref.get("kind", ""))),
                         intern(str(ref.get("name", ""))), tuple(subjects), file)


def is_rbac(obj: KubeObject) -> bool:
    """An object of the RBAC API group (a CRD may reuse the kind names)."""
    return obj.kind in RBAC_KINDS and obj.ref.api_version.rpartition("/")[0] == RBAC_GROUP


class Index:
    """Objects by (kind, namespace, name); cluster-scoped objects have namespace None."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str | None, str], Entry] = {}
        self._by_kind: dict[str, list[Entry]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self._roles: dict[tuple[str, str | None, str], RoleRecord] = {}
        self._roles_by_name: dict[tuple[str, str], list[RoleRecord]] = defaultdict(list)
        self._bindings: list[BindingRecord] = []
        self._bindings_by_subject: dict[tuple[str, str], list[BindingRecord]] = defaultdict(list)
        self._intern = Interner()
        #: what rules derive from the index once per run (resolved permissions ...), keyed
        #: by whoever computes it; emptied whenever an object is added
        self.derived: dict[Any, Any] = {}

    def add(self, obj: KubeObject, file: str) -> None:
        """Index ``obj`` if its kind is one rules ask about."""
        if obj.kind not in INDEX_KINDS:
            return
        self.derived.clear()
        if obj.kind in RBAC_KINDS:
            if is_rbac(obj):
                self._add_rbac(obj, file)
            return
        obj = kept(obj, self._intern)
        namespace = None if obj.kind == "Namespace" else (obj.ref.namespace or None)
        entry = Entry(obj, file)
        self._by_key[(obj.kind, namespace, obj.name)] = entry
        self._by_kind[obj.kind].append(entry)
        self._by_name[(obj.kind, obj.name)].append(entry)

    def get(self, kind: str, namespace: str | None, name: str) -> Entry | None:
        """An object by kind, namespace and name; None namespace for cluster scope.

        Namespaced objects written without a namespace match any namespace asked for:
        manifests applied with ``kubectl -n`` often omit it.
        """
        found = self._by_key.get((kind, namespace, name))
        if found is None and namespace is not None:
            found = self._by_key.get((kind, None, name))
        return found

    def of_kind(self, kind: str) -> list[Entry]:
        return list(self._by_kind.get(kind, ()))

    def lookup(self, kind: str, referrer: KubeObject, name: str) -> Entry | None:
        """The object ``referrer`` names, in the referrer's namespace.

        A referrer written without a namespace lands wherever it is applied, so any
        namespace will do for it (``default`` first); one with a namespace only sees its own.
        """
        found = self.get(kind, namespace_of(referrer), name)
        if found is None and not referrer.ref.namespace:
            same_name = self._by_name.get((kind, name))
            found = same_name[0] if same_name else None
        return found

    def elsewhere(self, kind: str, referrer: KubeObject, name: str) -> list[Entry]:
        """Objects named ``name`` in namespaces other than the referrer's (none found there)."""
        if self.lookup(kind, referrer, name) is not None:
            return []
        return list(self._by_name.get((kind, name), ()))

    def service_account_of(self, pod: PodView) -> tuple[str, Entry | None]:
        """The name of a pod's ServiceAccount (defaulted) and its entry when indexed."""
        name = service_account_name(pod)
        return name, self.lookup("ServiceAccount", pod.obj, name)

    def namespace_entry(self, obj: KubeObject) -> Entry | None:
        """The Namespace object an object lands in, when indexed."""
        return self.get("Namespace", None, namespace_of(obj))

    # -- RBAC --------------------------------------------------------------------------

    def _add_rbac(self, obj: KubeObject, file: str) -> None:
        """Record a Role, ClusterRole, RoleBinding or ClusterRoleBinding."""
        if obj.kind in RBAC_ROLE_KINDS:
            role = role_record(obj, file, self._intern)
            self._roles[(role.kind, role.namespace, role.name)] = role
            self._roles_by_name[(role.kind, role.name)].append(role)
            return
        binding = binding_record(obj, file, self._intern)
        self._bindings.append(binding)
        for subject in set(binding.subjects):
            self._bindings_by_subject[(subject.kind, subject.name)].append(binding)

    def role(self, kind: str, namespace: str | None, name: str) -> RoleRecord | None:
        """A Role (in ``namespace``) or ClusterRole (namespace ignored) by name.

        As ``get``: a Role written without a namespace matches any namespace, and a
        namespace of None (unknown) accepts a Role of any namespace.
        """
        if kind == "ClusterRole":
            return self._roles.get(("ClusterRole", None, name))
        found = self._roles.get((kind, namespace, name)) or self._roles.get((kind, None, name))
        if found is None and namespace is None:
            same = self._roles_by_name.get((kind, name))
            found = same[0] if same else None
        return found

    def cluster_roles(self) -> list[RoleRecord]:
        return [r for r in self._roles.values() if r.kind == "ClusterRole"]

    def bindings_naming(self, subjects: Iterable[tuple[str, str]]) -> list[BindingRecord]:
        """Bindings with a subject of one of these (kind, name) pairs, each once, in input order."""
        seen: dict[int, BindingRecord] = {}
        for key in subjects:
            for b in self._bindings_by_subject.get(key, ()):
                seen.setdefault(id(b), b)
        order = {id(b): i for i, b in enumerate(self._bindings)} if len(seen) > 1 else {}
        return sorted(seen.values(), key=lambda b: order.get(id(b), 0))

    def bindings(self) -> list[BindingRecord]:
        return list(self._bindings)

    def __len__(self) -> int:
        return len(self._by_key) + len(self._roles) + len(self._bindings)


def namespace_of(obj: KubeObject) -> str:
    """The namespace an object lands in when applied without ``-n``."""
    return obj.ref.namespace or DEFAULT_NAMESPACE


def service_account_name(pod: PodView) -> str:
    """``spec.serviceAccountName``, else the legacy ``spec.serviceAccount``, else ``default``."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = pod.spec.raw(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_SERVICE_ACCOUNT
