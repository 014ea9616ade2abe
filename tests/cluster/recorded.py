"""The recorded cluster: objects as a v1.29 API server stores and serves them.

Objects carry what the API adds (uids, ownerReferences, defaulted pod fields, the
projected service account token volume, status), so the audit sees what it would see
on AKS.  Namespaces, and what each one tests:

- ``monitoring``: a privileged DaemonSet (2 pods) -> could enforce privileged only
- ``legacy``: a Deployment (2 pods via a ReplicaSet) and a CronJob's Job pod without any
  securityContext, a ConfigMap with a password in a URL -> baseline
- ``shop``: a Deployment (3 pods) and a StatefulSet, all restricted -> restricted
- ``payments``: labelled enforce=baseline; pods restricted except the seccomp profile,
  which restricted demands from v1.19 -> restricted pinned to v1.18
- ``locked``: Secrets and ConfigMaps forbidden to the auditor -> warnings, still judged
- ``sealed``: pods forbidden -> readiness unknown

RBAC, as the API serves it: the built-in ClusterRoles ``cluster-admin`` and
``system:basic-user`` (bound to ``system:authenticated``, as in every cluster: nothing
dangerous), and

- ``legacy-default-admin``: a ClusterRoleBinding of ``cluster-admin`` to ``legacy``'s
  ``default`` ServiceAccount, which both legacy workloads run as -> reported once, on the
  binding, and legacy's two workloads counted in the readiness column
- ``monitoring``: the log agent runs as its own ServiceAccount ``log-agent``, which a
  RoleBinding gives the Role ``secret-reader`` (get secrets) -> ``rbac/secret-read`` on
  the DaemonSet; a RoleBinding in ``payments`` names the same account (a *foreign* grant:
  get on the Secret ``stripe`` there), so the finding names both namespaces
"""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

from tests.cluster.fakeapi import Behaviour

#: a Secret value the audit must never request, keep or print
SECRET_VALUE = "Zm9yYmlkZGVuLXRva2VuLTk4NzY1NDMyMTA="
#: the password in legacy's ConfigMap (credential findings show only a fingerprint)
CONFIGMAP_PASSWORD = "Pr0d-Passw0rd-91cbd"

RESTRICTED_CONTAINER_SC = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def uid(*parts: str) -> str:
    h = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def meta(kind: str, namespace: str | None, name: str, owner: dict[str, Any] | None = None,
         labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name, "uid": uid(kind, namespace or "", name), "resourceVersion": "40021",
                         "creationTimestamp": "2026-10-02T08:14:31Z"}
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    if owner is not None:
        m["ownerReferences"] = [{
            "apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True,
        }]
    return m


def container(name: str, image: str, sc: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name, "image": image, "imagePullPolicy": "IfNotPresent", "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "volumeMounts": [{"name": "kube-api-access", "readOnly": True,
                          "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
    }
    if sc is not None:
        c["securityContext"] = sc
    c.update(extra)
    return c


def pod_spec(containers: list[dict[str, Any]], pod_sc: dict[str, Any] | None = None,
             **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": containers, "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "serviceAccountName": "default", "serviceAccount": "default",
        "securityContext": pod_sc or {}, "schedulerName": "default-scheduler", "enableServiceLinks": True,
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        ]}}],
    }
    spec.update(extra)
    return spec


def workload(api_version: str, kind: str, namespace: str, name: str, template_spec: dict[str, Any],
             **spec: Any) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": name}}, "spec": template_spec}
    body: dict[str, Any] = {"selector": {"matchLabels": {"app": name}}, "template": template, **spec}
    if kind == "CronJob":
        body = {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}}
    return {"apiVersion": api_version, "kind": kind, "metadata": meta(kind, namespace, name), "spec": body}


def pod(owner: dict[str, Any] | None, namespace: str, name: str, spec: dict[str, Any], node: str = "aks-nodepool1-0",
        phase: str = "Running") -> dict[str, Any]:
    s = copy.deepcopy(spec)
    s["nodeName"] = node
    s["volumes"][0]["name"] = "kube-api-access-" + name[-5:]  # the API names it per pod
    for c in s["containers"]:
        for mount in c["volumeMounts"]:
            if mount["name"] == "kube-api-access":
                mount["name"] = s["volumes"][0]["name"]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": meta("Pod", namespace, name, owner, labels={"app": name.rsplit("-", 2)[0]}),
        "spec": s,
        "status": {"phase": phase, "podIP": "10.244.1.17", "qosClass": "BestEffort",
                   "startTime": "2026-10-02T08:14:33Z"},
    }


def child(owner: dict[str, Any], api_version: str, kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    ns = owner["metadata"]["namespace"]
    return {"apiVersion": api_version, "kind": kind, "metadata": meta(kind, ns, name, owner), "spec": spec}


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": meta("Namespace", None, name, labels={"kubernetes.io/metadata.name": name, **(labels or {})}),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


RBAC = "rbac.authorization.k8s.io/v1"
BOOTSTRAP = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def role(kind: str, namespace: str | None, name: str, rules: list[dict[str, Any]],
         builtin: bool = False) -> dict[str, Any]:
    m = meta(kind, namespace, name, labels=BOOTSTRAP if builtin else None,
             annotations=AUTOUPDATE if builtin else None)
    return {"apiVersion": RBAC, "kind": kind, "metadata": m, "rules": rules}


def binding(kind: str, namespace: str | None, name: str, role_kind: str, role_name: str,
            subjects: list[dict[str, Any]], builtin: bool = False) -> dict[str, Any]:
    m = meta(kind, namespace, name, labels=BOOTSTRAP if builtin else None,
             annotations=AUTOUPDATE if builtin else None)
    return {"apiVersion": RBAC, "kind": kind, "metadata": m, "subjects": subjects,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}}


def rbac(objs: dict[str, list[dict[str, Any]]]) -> None:
    """The RBAC objects (see the module's docstring)."""
    objs["clusterroles"] += [
        role("ClusterRole", None, "cluster-admin", [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]}], builtin=True),
        role("ClusterRole", None, "system:basic-user", [
            {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
             "verbs": ["create"]}], builtin=True),
    ]
    objs["clusterrolebindings"] += [
        binding("ClusterRoleBinding", None, "system:basic-user", "ClusterRole", "system:basic-user",
                [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}],
                builtin=True),
        binding("ClusterRoleBinding", None, "legacy-default-admin", "ClusterRole", "cluster-admin",
                [{"kind": "ServiceAccount", "name": "default", "namespace": "legacy"}]),
    ]
    objs["roles"] += [
        role("Role", "monitoring", "secret-reader", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]),
        role("Role", "payments", "ledger-secrets", [
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["stripe"], "verbs": ["get"]}]),
    ]
    log_agent = {"kind": "ServiceAccount", "name": "log-agent", "namespace": "monitoring"}
    objs["rolebindings"] += [
        binding("RoleBinding", "monitoring", "log-agent-secrets", "Role", "secret-reader", [log_agent]),
        binding("RoleBinding", "payments", "log-agent-ledger", "Role", "ledger-secrets", [log_agent]),
    ]


def build() -> dict[str, list[dict[str, Any]]]:
    """plural -> objects, as stored (full objects, with apiVersion and kind)."""
    objs: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "namespaces", "pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs",
        "replicationcontrollers", "serviceaccounts", "configmaps", "secrets", "secretproviderclasses",
        "roles", "rolebindings", "clusterroles", "clusterrolebindings")}
    rbac(objs)
    for ns in ("monitoring", "legacy", "shop", "locked", "sealed"):
        objs["namespaces"].append(namespace(ns))
    objs["namespaces"].append(namespace("payments", {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "v1.29",
        "pod-security.kubernetes.io/warn": "restricted"}))
    for ns in ("monitoring", "legacy", "shop", "payments", "locked", "sealed"):
        objs["serviceaccounts"].append({"apiVersion": "v1", "kind": "ServiceAccount",
                                        "metadata": meta("ServiceAccount", ns, "default")})
        objs["configmaps"].append({"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": meta("ConfigMap", ns, "kube-root-ca.crt"),
                                   "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqh\n"
                                                      "-----END CERTIFICATE-----\n"}})

    # monitoring: a privileged node agent
    agent_spec = pod_spec(
        [container("agent", "mcr.microsoft.com/oss/fluent/fluent-bit:3.1",
                   {"privileged": True},
                   volumeMounts=[{"name": "varlog", "mountPath": "/var/log"}])],
        hostPID=True, serviceAccountName="log-agent", serviceAccount="log-agent",
    )
    objs["serviceaccounts"].append({"apiVersion": "v1", "kind": "ServiceAccount",
                                    "metadata": meta("ServiceAccount", "monitoring", "log-agent")})
    agent_spec["volumes"].append({"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}})
    ds = workload("apps/v1", "DaemonSet", "monitoring", "log-agent", agent_spec)
    objs["daemonsets"].append(ds)
    objs["pods"] += [pod(ds, "monitoring", "log-agent-7xk2p", agent_spec, "aks-nodepool1-0"),
                     pod(ds, "monitoring", "log-agent-q9d4m", agent_spec, "aks-nodepool1-1")]

    # legacy: baseline only
    web_spec = pod_spec([container("web", "nginx:1.27")])
    web = workload("apps/v1", "Deployment", "legacy", "web", web_spec, replicas=2)
    rs = child(web, "apps/v1", "ReplicaSet", "web-5d8f7c9b6", {"replicas": 2, "template": web["spec"]["template"]})
    old_rs = child(web, "apps/v1", "ReplicaSet", "web-74c8d6f55", {"replicas": 0, "template": web["spec"]["template"]})
    objs["deployments"].append(web)
    objs["replicasets"] += [rs, old_rs]
    objs["pods"] += [pod(rs, "legacy", "web-5d8f7c9b6-2kq8z", web_spec),
                     pod(rs, "legacy", "web-5d8f7c9b6-v7h4n", web_spec, "aks-nodepool1-1")]
    report_spec = pod_spec([container("report", "legacy.azurecr.io/report:2.3")], restartPolicy="OnFailure")
    cron = workload("batch/v1", "CronJob", "legacy", "nightly-report", report_spec)
    job = child(cron, "batch/v1", "Job", "nightly-report-28715400",
                {"backoffLimit": 6, "template": cron["spec"]["jobTemplate"]["spec"]["template"]})
    objs["cronjobs"].append(cron)
    objs["jobs"].append(job)
    objs["pods"].append(pod(job, "legacy", "nightly-report-28715400-x4b7k", report_spec, phase="Succeeded"))
    objs["configmaps"].append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("ConfigMap", "legacy", "web-settings"),
                               "data": {"DATABASE_URL": f"postgres://app:{CONFIGMAP_PASSWORD}@db.legacy:5432/app",
                                        "LOG_LEVEL": "info"}})

    # shop: restricted everywhere
    restricted = pod_spec([container("api", "shop.azurecr.io/api:4.2", dict(RESTRICTED_CONTAINER_SC))],
                          {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                          automountServiceAccountToken=False)
    api = workload("apps/v1", "Deployment", "shop", "api", restricted, replicas=3)
    api_rs = child(api, "apps/v1", "ReplicaSet", "api-6b9d5f8c7", {"replicas": 3, "template": api["spec"]["template"]})
    objs["deployments"].append(api)
    objs["replicasets"].append(api_rs)
    objs["pods"] += [pod(api_rs, "shop", f"api-6b9d5f8c7-{s}", restricted) for s in ("a1b2c", "d3e4f", "g5h6j")]
    db_spec = copy.deepcopy(restricted)
    db_spec["containers"][0]["name"] = "db"
    sts = workload("apps/v1", "StatefulSet", "shop", "db", db_spec, serviceName="db")
    objs["statefulsets"].append(sts)
    objs["pods"].append(pod(sts, "shop", "db-0", db_spec))
    objs["secrets"].append({"apiVersion": "v1", "kind": "Secret", "metadata": meta("Secret", "shop", "db-credentials"),
                            "type": "Opaque", "data": {"password": SECRET_VALUE}})
    objs["secretproviderclasses"].append({
        "apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
        "metadata": meta("SecretProviderClass", "shop", "api-kv"),
        "spec": {"provider": "azure", "parameters": {
            "usePodIdentity": "false", "clientID": "6f1f0f3a-8f64-4d5c-9d1e-2a7b3c4d5e6f",
            "keyvaultName": "shop-kv", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "objects": "array:\n  - |\n    objectName: api-key\n    objectType: secret\n"}}})

    # payments: labelled baseline; restricted except the seccomp profile
    ledger_sc = {k: v for k, v in RESTRICTED_CONTAINER_SC.items() if k != "seccompProfile"}
    ledger_spec = pod_spec([container("ledger", "payments.azurecr.io/ledger:7.0", ledger_sc)],
                           {"runAsNonRoot": True}, automountServiceAccountToken=False)
    ledger = workload("apps/v1", "Deployment", "payments", "ledger", ledger_spec, replicas=2)
    ledger_rs = child(ledger, "apps/v1", "ReplicaSet", "ledger-84f7b6d9c",
                      {"replicas": 2, "template": ledger["spec"]["template"]})
    objs["deployments"].append(ledger)
    objs["replicasets"].append(ledger_rs)
    objs["pods"] += [pod(ledger_rs, "payments", f"ledger-84f7b6d9c-{s}", ledger_spec) for s in ("k2m4p", "r7t9w")]
    objs["pods"].append(pod(None, "payments", "debug-shell-z8x6c", restricted))
    objs["secrets"].append({"apiVersion": "v1", "kind": "Secret", "metadata": meta("Secret", "payments", "stripe"),
                            "type": "Opaque", "data": {"key": SECRET_VALUE}})

    # locked: secrets and configmaps forbidden to the auditor
    worker = workload("apps/v1", "Deployment", "locked", "worker", restricted, replicas=1)
    worker_rs = child(worker, "apps/v1", "ReplicaSet", "worker-5c6d7e8f9",
                      {"replicas": 1, "template": worker["spec"]["template"]})
    objs["deployments"].append(worker)
    objs["replicasets"].append(worker_rs)
    objs["pods"].append(pod(worker_rs, "locked", "worker-5c6d7e8f9-b3n5m", restricted))
    objs["secrets"].append({"apiVersion": "v1", "kind": "Secret", "metadata": meta("Secret", "locked", "vault"),
                            "type": "Opaque", "data": {"token": SECRET_VALUE}})

    # sealed: pods forbidden
    objs["pods"].append(pod(None, "sealed", "hidden-q1w2e", agent_spec))
    return objs


def behaviour() -> Behaviour:
    """The auditor's RBAC: no cluster-wide pods, secrets or configmaps; per namespace all
    but secrets and configmaps in ``locked`` and pods in ``sealed``."""
    return Behaviour(forbidden={
        ("pods", None), ("secrets", None), ("configmaps", None),
        ("secrets", "locked"), ("configmaps", "locked"), ("pods", "sealed"),
    })


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
