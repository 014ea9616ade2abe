"""The built-in ClusterRoles, known by name even when the input does not hold them.

Facts from Kubernetes' bootstrap policy (kubernetes/kubernetes,
plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and its testdata
cluster-roles.yaml), written as a compact table of our own.  Only the roles a workload's
binding plausibly names are listed with their rules: the user-facing ``cluster-admin``,
``admin``, ``edit`` and ``view`` (aggregated, as the API server builds them, from the
``system:aggregate-to-*`` roles and any input ClusterRole carrying the same labels), and the
``system:`` roles whose rules hold a permission the family judges.  Rules that grant
nothing the family judges (events, leases, status subresources ...) are left out of those.
Other ``system:`` ClusterRoles (``system:controller:*`` and the rest) are known to exist
but not modelled: never reported as missing, never guessed.

Versioned facts: ``since`` is the first Kubernetes minor that has the rule.  Only changes
that move a finding are versioned; the table holds no role before RBAC's v1.8 GA.
"""

from __future__ import annotations

import functools

from podwarden.model.index import LabelSelector, PolicyRule, RoleRecord
from podwarden.model.record import Record

RW = "get,list,watch,create,update,patch,delete,deletecollection"
WRITE = "create,update,patch,delete,deletecollection"
READ = "get,list,watch"

AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"
BOOTSTRAP_LABEL = ("kubernetes.io/bootstrapping", "rbac-defaults")


def _split(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split(",") if t)


def _r(verbs: str, groups: str, resources: str, names: str = "") -> PolicyRule:
    """A rule; the group ``core`` is the legacy group ``""``."""
    return PolicyRule(_split(verbs), frozenset("" if g == "core" else g for g in groups.split(",")),
                      _split(resources), _split(names))


class Entry(Record):
    __slots__ = ("rule", "since")
    _fields = ("rule", "since")
    rule: PolicyRule
    since: int

    def __init__(self, rule: PolicyRule, since: int = 0) -> None:
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "since", since)


def _e(verbs: str, groups: str, resources: str, names: str = "", since: int = 0) -> Entry:
    return Entry(_r(verbs, groups, resources, names), since)


_Table = dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...] | None, tuple[Entry, ...]]]


@functools.cache
def _table() -> _Table:
    """name -> (labels, aggregated-to selectors or None, rules); built when first asked for,
    not at every start-up (most runs hold no binding to resolve)."""
    return {
        "cluster-admin": ((), None, (
            _e("*", "*", "*"),
            Entry(PolicyRule(frozenset({"*"}), non_resource_urls=frozenset({"*"}))),
        )),
        "admin": ((), ("admin",), ()),
        "edit": (((AGGREGATE + "admin", "true"),), ("edit",), ()),
        "view": (((AGGREGATE + "edit", "true"),), ("view",), ()),
        "system:aggregate-to-admin": (((AGGREGATE + "admin", "true"),), None, (
            _e("create", "authorization.k8s.io", "localsubjectaccessreviews"),
            _e(RW, "rbac.authorization.k8s.io", "roles,rolebindings"),
        )),
        "system:aggregate-to-edit": (((AGGREGATE + "edit", "true"),), None, (
            _e(READ, "core", "pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy"),
            _e("impersonate", "core", "serviceaccounts"),
            _e(WRITE, "core", "pods,pods/attach,pods/exec,pods/portforward,pods/proxy"),
            _e("create", "core", "pods/eviction"),
            _e(WRITE, "core", "configmaps,events,persistentvolumeclaims,replicationcontrollers,"
                              "replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy"),
            # TokenRequest for any ServiceAccount of the namespace (with `kubectl create token`)
            _e("create", "core", "serviceaccounts/token", since=24),
            _e(WRITE, "apps", "daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,"
                              "replicasets/scale,statefulsets,statefulsets/scale"),
            _e(WRITE, "autoscaling", "horizontalpodautoscalers"),
            _e(WRITE, "batch", "cronjobs,jobs"),
            _e(WRITE, "extensions", "daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,"
                                    "networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale"),
            _e(WRITE, "policy", "poddisruptionbudgets"),
            _e(WRITE, "networking.k8s.io", "ingresses,networkpolicies"),
            _e(RW, "coordination.k8s.io", "leases"),
        )),
        "system:aggregate-to-view": (((AGGREGATE + "view", "true"),), None, (
            _e(READ, "core", "configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,"
                             "replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,"
                             "services/status,bindings,events,limitranges,namespaces/status,pods/log,pods/status,"
                             "replicationcontrollers/status,resourcequotas,resourcequotas/status,namespaces"),
            _e(READ, "discovery.k8s.io", "endpointslices"),
            _e(READ, "apps", "controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,"
                             "deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,"
                             "statefulsets/scale,statefulsets/status"),
            _e(READ, "autoscaling", "horizontalpodautoscalers,horizontalpodautoscalers/status"),
            _e(READ, "batch", "cronjobs,cronjobs/status,jobs,jobs/status"),
            _e(READ, "extensions", "daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,"
                                   "ingresses,ingresses/status,networkpolicies,replicasets,replicasets/scale,"
                                   "replicasets/status,replicationcontrollers/scale"),
            _e(READ, "policy", "poddisruptionbudgets,poddisruptionbudgets/status"),
            _e(READ, "networking.k8s.io", "ingresses,ingresses/status,networkpolicies"),
        )),
        # the kubelets' role (bound to no one since v1.8: the Node authorizer serves nodes).
        # Bound to anything else, nothing narrows it: Secrets of every namespace, pods, CSRs
        "system:node": ((), None, (
            _e(READ, "core", "services,pods"),
            _e("create,get,list,watch,patch,update", "core", "nodes"),
            _e("patch,update", "core", "nodes/status,pods/status"),
            _e("create,delete", "core", "pods"),
            _e("create", "core", "pods/eviction"),
            _e(READ, "core", "configmaps,secrets"),
            _e("get", "core", "persistentvolumeclaims,persistentvolumes,endpoints"),
            _e("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"),
            _e("create", "core", "serviceaccounts/token"),
        )),
        "system:kube-controller-manager": ((), None, (
            _e("create", "core", "secrets,serviceaccounts"),
            _e("delete", "core", "secrets"),
            _e("get", "core", "configmaps,namespaces,secrets,serviceaccounts"),
            _e("update", "core", "secrets,serviceaccounts"),
            _e("list,watch", "*", "*"),  # every object, Secrets included, in every namespace
            _e("create", "core", "serviceaccounts/token"),
        )),
        "system:kube-scheduler": ((), None, (
            _e("delete,get,list,watch", "core", "pods"),
            _e("create", "core", "bindings,pods/binding"),
        )),
        "system:kubelet-api-admin": ((), None, (
            _e(READ, "core", "nodes"),
            _e("proxy", "core", "nodes"),
            _e("*", "core", "nodes/log,nodes/metrics,nodes/proxy,nodes/stats"),
        )),
        "system:node-bootstrapper": ((), None, (
            _e("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"),
        )),
        "system:persistent-volume-provisioner": ((), None, (
            _e("create,delete,get,list,watch", "core", "persistentvolumes"),
            _e("get,list,update,watch", "core", "persistentvolumeclaims"),
        )),
        "system:volume-scheduler": ((), None, (
            _e("get,list,patch,update,watch", "core", "persistentvolumes,persistentvolumeclaims"),
        )),
        "system:node-proxier": ((), None, (
            _e("list,watch", "core", "endpoints,services"),
            _e(READ, "core", "nodes"),
        )),
        "system:heapster": ((), None, (_e(READ, "core", "events,namespaces,nodes,pods"),)),
        "system:kube-aggregator": ((), None, (_e(READ, "core", "endpoints,services"),)),
        "system:kube-dns": ((), None, (_e("list,watch", "core", "endpoints,services"),)),
        "system:auth-delegator": ((), None, (
            _e("create", "authentication.k8s.io", "tokenreviews"),
            _e("create", "authorization.k8s.io", "subjectaccessreviews"),
        )),
        "system:basic-user": ((), None, (
            _e("create", "authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews"),
        )),
        "system:discovery": ((), None, ()),
        "system:public-info-viewer": ((), None, ()),
        "system:monitoring": ((), None, ()),
        "system:service-account-issuer-discovery": ((), None, ()),
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient": ((), None, (
            _e("create", "certificates.k8s.io", "certificatesigningrequests/nodeclient"),
        )),
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient": ((), None, (
            _e("create", "certificates.k8s.io", "certificatesigningrequests/selfnodeclient"),
        )),
        "system:certificates.k8s.io:kube-apiserver-client-approver": ((), None, (
            _e("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client"),
        )),
        "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver": ((), None, (
            _e("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client-kubelet"),
        )),
        "system:certificates.k8s.io:kubelet-serving-approver": ((), None, (
            _e("approve", "certificates.k8s.io", "signers", "kubernetes.io/kubelet-serving"),
        )),
        "system:certificates.k8s.io:legacy-unknown-approver": ((), None, (
            _e("approve", "certificates.k8s.io", "signers", "kubernetes.io/legacy-unknown"),
        )),
    }


#: the newest minor podwarden knows; ``latest`` means this
NEWEST = 99


@functools.cache
def _roles() -> dict[tuple[str, str], tuple[PolicyRule, ...] | None]:
    """The bootstrap policy's namespaced Roles, by (namespace, name): rules where modelled."""
    return {
        ("kube-system", "extension-apiserver-authentication-reader"): (
            _r("get,list,watch", "core", "configmaps", "extension-apiserver-authentication"),),
        ("kube-system", "system::leader-locking-kube-controller-manager"): None,
        ("kube-system", "system::leader-locking-kube-scheduler"): None,
        ("kube-system", "system:controller:bootstrap-signer"): None,
        ("kube-system", "system:controller:cloud-provider"): None,
        ("kube-system", "system:controller:token-cleaner"): None,
        ("kube-public", "system:controller:bootstrap-signer"): None,
    }


def builtin_role(namespace: str, name: str) -> RoleRecord | None:
    """A modelled built-in Role of a namespace."""
    rules = _roles().get((namespace, name))
    return RoleRecord("Role", namespace, name, rules, (BOOTSTRAP_LABEL,), None, "built-in") if rules else None


def is_builtin_role(namespace: str, name: str) -> bool:
    return (namespace, name) in _roles()


def is_builtin_name(name: str) -> bool:
    """A ClusterRole the API server creates: modelled here, or any other ``system:`` one."""
    return name in _table() or name.startswith("system:")


def is_modelled(name: str) -> bool:
    return name in _table()


@functools.cache
def builtin_roles(minor: int) -> dict[str, RoleRecord]:
    """The modelled built-in ClusterRoles as records, for Kubernetes 1.``minor``."""
    out = {}
    for name, (labels, aggregates, entries) in _table().items():
        selectors = tuple(LabelSelector(((AGGREGATE + a, "true"),)) for a in aggregates) if aggregates else None
        rules = tuple(e.rule for e in entries if e.since <= minor)
        out[name] = RoleRecord("ClusterRole", None, name, rules, (BOOTSTRAP_LABEL, *labels), selectors,
                               "built-in")
    return out
