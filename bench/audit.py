#!/usr/bin/env python3
"""Benchmark ``podwarden audit`` on a scaled cluster served by a local fake API server.

The server (HTTPS on 127.0.0.1 only, HTTP/1.1 keep-alive, TCP_NODELAY as Go's server)
answers in the API's JSON: ``<Kind>List`` pages driven by ``limit``/``continue``,
``PartialObjectMetadataList`` for metadata-only requests, items ordered by namespace and
name as etcd keeps them.  Pods are generated on demand from the pod templates of real
Deployments in ../shared/corpus, with what the API server adds (defaults, the projected
token volume, ``managedFields``, ``status``), so the bytes per pod are realistic.  The
cluster: one node per 30 pods, 4 DaemonSets in kube-system (one pod per node each), the
rest in namespaces of ~60 pods (Deployments of 3 replicas, each with a current and an
old ReplicaSet), a ServiceAccount, ConfigMaps and Secrets per namespace.  RBAC as on AKS:
~70 ClusterRoles (the built-in ``cluster-admin``, ``admin``, ``edit``, ``view`` and
``system:`` ones) and ~50 ClusterRoleBindings (groups, users, kube-system's accounts), and
per application namespace a Role and its RoleBinding for the app's ServiceAccount (every
tenth may read Secrets) plus a RoleBinding of ``view`` to kube-system's metrics agent (a
grant from another namespace, as Prometheus gets one).  ``--no-rbac`` serves none of it
(the audit then warns that the rbac family says unknown).

Faults (``--faults 429:40,drop:97,truncate:151,stall:211,410:307``): every Nth request of
the kind answers with 429 + Retry-After: 1, drops the connection, cuts the body short,
stalls past the client's --request-timeout, or answers 410 to a continue token.

For each scale and output format the audit runs in a fresh process (report to a file);
printed: wall time, peak RSS of the audit process, report size, requests per resource.

Usage: bench/audit.py [--scales 6000,20000,60000,150000] [--formats json,text,sarif,junit,html]
                      [--faults SPEC] [--page-size 500]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
TOKEN = "bench-token"
PODS_PER_NODE = 30
PODS_PER_NAMESPACE = 60
REPLICAS = 3
DAEMONSETS = ("kube-proxy", "azure-cns", "csi-azuredisk-node", "cloud-node-manager")
CREATED = "2026-11-02T08:14:31Z"


def uid(*parts: object) -> str:
    h = hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def corpus_templates(limit: int = 40) -> list[dict[str, Any]]:
    """Pod template specs of real Deployments (the first ``limit`` found, sorted by path)."""
    found: list[dict[str, Any]] = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        if len(found) >= limit:
            break
        try:
            text = path.read_text(encoding="utf-8")
            if "kind: Deployment" not in text or "{{" in text:
                continue
            docs = list(yaml.safe_load_all(text))
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            continue
        for doc in docs:
            spec = (((doc or {}).get("spec") or {}).get("template") or {}).get("spec") if isinstance(doc, dict) else None
            if doc and isinstance(doc, dict) and doc.get("kind") == "Deployment" and isinstance(spec, dict) \
                    and isinstance(spec.get("containers"), list) and spec["containers"]:
                found.append(spec)
    if not found:
        found.append({"containers": [{"name": "app", "image": "nginx:1.27"}]})
    return found


def with_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """A pod spec as the API server stores it: defaults, and the projected token volume."""
    spec = json.loads(json.dumps(spec))
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("volumes", [])
    spec["volumes"].append({"name": "kube-api-access-@ID@", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                       "fieldPath": "metadata.namespace"}}]}}]}})
    for c in [*spec.get("initContainers", []), *spec["containers"]]:
        c.setdefault("imagePullPolicy", "IfNotPresent")
        c.setdefault("resources", {})
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("volumeMounts", []).append(
            {"name": "kube-api-access-@ID@", "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
    return spec


def managed_fields(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """managedFields as kube-controller-manager and the kubelet write them (large, unread)."""
    def fields(value: Any) -> Any:
        if isinstance(value, dict):
            return {f"f:{k}": fields(v) for k, v in value.items()}
        return {}
    return [
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": CREATED,
         "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {}},
                                                "f:spec": fields(spec)}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": CREATED, "fieldsType": "FieldsV1",
         "subresource": "status", "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {},
                                                           "f:hostIP": {}, "f:phase": {}, "f:podIP": {}}}},
    ]


def status(spec: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "Running", "hostIP": "10.224.0.4", "podIP": "10.244.3.17", "qosClass": "BestEffort",
            "startTime": CREATED,
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": CREATED}
                           for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
            "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "ready": True, "restartCount": 0,
                                   "imageID": "sha256:" + "0" * 64, "containerID": "containerd://" + "1" * 64,
                                   "started": True, "state": {"running": {"startedAt": CREATED}}}
                                  for c in spec["containers"]]}


class Cluster:
    """A generated cluster: items by (plural, namespace index, i), made when asked for."""

    def __init__(self, pods: int, rbac: bool = True) -> None:
        self.nodes = max(1, pods // PODS_PER_NODE)
        app_pods = max(REPLICAS, pods - len(DAEMONSETS) * self.nodes)
        self.deployments_per_ns = PODS_PER_NAMESPACE // REPLICAS
        app_namespaces = max(1, app_pods // PODS_PER_NAMESPACE)
        # names sort as etcd keys do: kube-system sorts before app-*? no: "app-" < "kube-"
        self.namespaces = sorted([f"app-{i:05d}" for i in range(app_namespaces)] + ["kube-system"])
        self.system = self.namespaces.index("kube-system")
        self.templates = [with_defaults(t) for t in corpus_templates()]
        self.pod_json = [self._pod_template(i, t) for i, t in enumerate(self.templates)]
        self.counts: dict[str, list[int]] = {}
        per_app = {"pods": PODS_PER_NAMESPACE, "deployments": self.deployments_per_ns,
                   "replicasets": 2 * self.deployments_per_ns, "daemonsets": 0, "serviceaccounts": 2,
                   "configmaps": 2, "secrets": 2}
        per_system = {"pods": len(DAEMONSETS) * self.nodes, "deployments": 0, "replicasets": 0,
                      "daemonsets": len(DAEMONSETS), "serviceaccounts": 1 + len(DAEMONSETS), "configmaps": 1,
                      "secrets": 0}
        for plural in per_app:
            self.counts[plural] = [per_system[plural] if n == self.system else per_app[plural]
                                   for n in range(len(self.namespaces))]
        for plural in ("statefulsets", "jobs", "cronjobs", "replicationcontrollers", "secretproviderclasses"):
            self.counts[plural] = [0] * len(self.namespaces)
        if rbac:
            self.counts["roles"] = [0 if n == self.system else 1 for n in range(len(self.namespaces))]
            self.counts["rolebindings"] = [0 if n == self.system else 2 for n in range(len(self.namespaces))]
        #: cluster-scoped objects by plural, as JSON texts
        self.cluster_scoped: dict[str, list[str]] = cluster_rbac() if rbac else {}
        self.starts = {p: self._prefix(c) for p, c in self.counts.items()}

    @staticmethod
    def _prefix(counts: list[int]) -> list[int]:
        out, total = [], 0
        for c in counts:
            out.append(total)
            total += c
        out.append(total)
        return out

    def _pod_template(self, i: int, spec: dict[str, Any]) -> str:
        pod = {"metadata": {"name": "@NAME@", "generateName": "@GEN@", "namespace": "@NS@", "uid": "@UID@",
                            "resourceVersion": "48213", "creationTimestamp": CREATED,
                            "labels": {"app": "@APP@", "pod-template-hash": "@HASH@"},
                            "ownerReferences": [{"apiVersion": "@OAPI@", "kind": "@OKIND@", "name": "@ONAME@",
                                                 "uid": "@OUID@", "controller": True, "blockOwnerDeletion": True}],
                            "managedFields": managed_fields(spec)},
               "spec": {**spec, "nodeName": "@NODE@"}, "status": status(spec)}
        return json.dumps(pod)

    def total(self, plural: str, namespace: str | None) -> int:
        if namespace is None:
            return self.starts[plural][-1]
        n = self.namespaces.index(namespace) if namespace in self.namespaces else -1
        return self.counts[plural][n] if n >= 0 else 0

    def items(self, plural: str, namespace: str | None, start: int, end: int, meta_only: bool) -> list[str]:
        """Items [start, end) of a list, as JSON texts."""
        out = []
        first = self.namespaces.index(namespace) if namespace is not None else 0
        base = self.starts[plural][first] if namespace is not None else 0
        for g in range(base + start, base + end):
            n = bisect_right(self.starts[plural], g) - 1
            out.append(self.item(plural, n, g - self.starts[plural][n], meta_only))
        return out

    def item(self, plural: str, n: int, i: int, meta_only: bool) -> str:
        ns = self.namespaces[n]
        if plural == "pods":
            return self._pod(n, ns, i)
        obj = self._object(plural, n, ns, i)
        if meta_only:
            return json.dumps({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": obj["metadata"]})
        return json.dumps(obj)

    def _pod(self, n: int, ns: str, i: int) -> str:
        if n == self.system:
            ds, node = divmod(i, self.nodes)
            app = DAEMONSETS[ds]
            t = ds % len(self.templates)
            owner = ("apps/v1", "DaemonSet", app, uid("DaemonSet", ns, app))
            name, gen, hash_ = f"{app}-{node:05x}", f"{app}-", "7d9f8c6b5"
        else:
            d, r = divmod(i, REPLICAS)
            app = f"app-{d:02d}"
            t = (n * 7 + d) % len(self.templates)
            rs = f"{app}-5d8f7c9b6"
            owner = ("apps/v1", "ReplicaSet", rs, uid("ReplicaSet", ns, rs))
            name, gen, hash_ = f"{rs}-{r:05x}", f"{rs}-", "5d8f7c9b6"
            node = (n * PODS_PER_NAMESPACE + i) % self.nodes
        text = self.pod_json[t]
        for key, value in (("@NAME@", name), ("@GEN@", gen), ("@NS@", ns), ("@UID@", uid("Pod", ns, name)),
                           ("@APP@", app), ("@HASH@", hash_), ("@OAPI@", owner[0]), ("@OKIND@", owner[1]),
                           ("@ONAME@", owner[2]), ("@OUID@", owner[3]), ("@NODE@", f"aks-nodepool1-{node:05d}"),
                           ("@ID@", uid(name)[:5])):
            text = text.replace(key, value)
        return text

    def _object(self, plural: str, n: int, ns: str, i: int) -> dict[str, Any]:
        def meta(kind: str, name: str, owner: tuple[str, str, str] | None = None) -> dict[str, Any]:
            m: dict[str, Any] = {"name": name, "namespace": ns, "uid": uid(kind, ns, name), "resourceVersion": "48213",
                                 "creationTimestamp": CREATED, "labels": {"app": name.split("-5d8")[0]}}
            if owner:
                m["ownerReferences"] = [{"apiVersion": owner[0], "kind": owner[1], "name": owner[2],
                                         "uid": uid(owner[1], ns, owner[2]), "controller": True,
                                         "blockOwnerDeletion": True}]
            return m

        def template(t: int) -> dict[str, Any]:
            spec = json.loads(json.dumps(self.templates[t]).replace("@ID@", "xxxxx"))
            spec["volumes"] = [v for v in spec["volumes"] if v["name"] != "kube-api-access-xxxxx"]
            for c in [*spec.get("initContainers", []), *spec["containers"]]:
                c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "kube-api-access-xxxxx"]
            return {"metadata": {"labels": {"app": "x"}}, "spec": spec}

        if plural == "deployments":
            app = f"app-{i:02d}"
            return {"metadata": meta("Deployment", app), "spec": {
                "replicas": REPLICAS, "selector": {"matchLabels": {"app": app}},
                "template": template((n * 7 + i) % len(self.templates))}}
        if plural == "replicasets":
            d, old = divmod(i, 2)
            app = f"app-{d:02d}"
            name = f"{app}-{'74c8d6f55' if old else '5d8f7c9b6'}"
            return {"metadata": meta("ReplicaSet", name, ("apps/v1", "Deployment", app)),
                    "spec": {"replicas": 0 if old else REPLICAS}}
        if plural == "daemonsets":
            app = DAEMONSETS[i]
            return {"metadata": meta("DaemonSet", app), "spec": {
                "selector": {"matchLabels": {"app": app}}, "template": template(i % len(self.templates))}}
        if plural == "serviceaccounts":
            name = "default" if i == 0 else (DAEMONSETS[i - 1] if n == self.system else "app")
            return {"metadata": meta("ServiceAccount", name)}
        if plural == "configmaps":
            if i == 0:
                return {"metadata": meta("ConfigMap", "kube-root-ca.crt"),
                        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqh\n"
                                           "-----END CERTIFICATE-----\n"}}
            return {"metadata": meta("ConfigMap", "app-settings"), "data": {"LOG_LEVEL": "info", "PORT": "8080"}}
        if plural == "secrets":
            return {"metadata": meta("Secret", f"app-secret-{i}"), "type": "Opaque",
                    "data": {"password": base64.b64encode(b"never-sent-by-metadata-lists").decode()}}
        if plural == "roles":
            resources = ["configmaps", "secrets"] if n % 10 == 0 else ["configmaps"]
            return {"metadata": meta("Role", "app"),
                    "rules": [{"apiGroups": [""], "resources": resources, "verbs": ["get", "list", "watch"]}]}
        if plural == "rolebindings":
            ref = ("Role", "app", {"kind": "ServiceAccount", "name": "app", "namespace": ns}) if i == 0 else \
                ("ClusterRole", "view", {"kind": "ServiceAccount", "name": DAEMONSETS[1], "namespace": "kube-system"})
            return {"metadata": meta("RoleBinding", "app" if i == 0 else "metrics-view"), "subjects": [ref[2]],
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref[0], "name": ref[1]}}
        raise KeyError(plural)

    def namespace(self, n: int) -> dict[str, Any]:
        name = self.namespaces[n]
        return {"metadata": {"name": name, "uid": uid("Namespace", name), "resourceVersion": "40021",
                             "creationTimestamp": CREATED, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def cluster_rbac() -> dict[str, list[str]]:
    """ClusterRoles and ClusterRoleBindings as an AKS cluster serves them (in number and
    kind; rules abridged)."""
    def meta(name: str, bootstrap: bool = True, labels: dict[str, str] | None = None) -> dict[str, Any]:
        m: dict[str, Any] = {"name": name, "uid": uid("rbac", name), "resourceVersion": "48213",
                             "creationTimestamp": CREATED, "labels": dict(labels or {})}
        if bootstrap:
            m["labels"]["kubernetes.io/bootstrapping"] = "rbac-defaults"
            m["annotations"] = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
        return m

    read = ["get", "list", "watch"]
    roles = [
        {"metadata": meta("cluster-admin"), "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                                                      {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
        {"metadata": meta("admin"), "aggregationRule": {"clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]}, "rules": []},
        {"metadata": meta("edit", labels={"rbac.authorization.k8s.io/aggregate-to-admin": "true"}),
         "aggregationRule": {"clusterRoleSelectors": [
             {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}}]}, "rules": []},
        {"metadata": meta("view", labels={"rbac.authorization.k8s.io/aggregate-to-edit": "true"}),
         "aggregationRule": {"clusterRoleSelectors": [
             {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]}, "rules": []},
    ]
    for i in range(66):
        resources = ["pods", "services", "endpoints", "nodes", "events", "configmaps"][i % 6:i % 6 + 2]
        roles.append({"metadata": meta(f"system:controller:component-{i:02d}"),
                      "rules": [{"apiGroups": [""], "resources": resources, "verbs": read}]})
    bindings = [{"metadata": meta("cluster-admin"), "subjects": [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}]
    for i in range(48):
        subject = {"kind": "ServiceAccount", "name": DAEMONSETS[i % len(DAEMONSETS)], "namespace": "kube-system"} \
            if i % 3 else {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": f"system:component-{i}"}
        bindings.append({"metadata": meta(f"system:controller:component-{i:02d}"), "subjects": [subject],
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                     "name": f"system:controller:component-{i:02d}"}})
    return {"clusterroles": [json.dumps(r) for r in roles], "clusterrolebindings": [json.dumps(b) for b in bindings]}


KINDS = {"namespaces": "Namespace", "pods": "Pod", "deployments": "Deployment", "replicasets": "ReplicaSet",
         "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob",
         "replicationcontrollers": "ReplicationController", "serviceaccounts": "ServiceAccount",
         "configmaps": "ConfigMap", "secrets": "Secret", "secretproviderclasses": "SecretProviderClass",
         "roles": "Role", "rolebindings": "RoleBinding", "clusterroles": "ClusterRole",
         "clusterrolebindings": "ClusterRoleBinding"}


class Server:
    """The fake API server for one cluster, with faults every Nth request."""

    def __init__(self, cluster: Cluster, tls_dir: Path, faults: dict[str, int], stall: float) -> None:
        from podwarden.webhook.tls import ensure_self_signed

        self.cluster = cluster
        self.faults = faults
        self.stall = stall
        self.requests: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._count = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        class NoDelay(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> tuple[socket.socket, Any]:
                conn, addr = self.socket.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return conn, addr

        self.httpd = NoDelay(("127.0.0.1", 0), Handler)
        paths = ensure_self_signed(tls_dir)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(paths.cert, paths.key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.ca_bundle = paths.ca_bundle
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, path: Path) -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "bench",
            "clusters": [{"name": "bench", "cluster": {"server": self.url, "certificate-authority-data": self.ca_bundle}}],
            "users": [{"name": "bench", "user": {"token": TOKEN}}],
            "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench"}}]}))
        return path

    def _fault(self, has_continue: bool) -> str:
        with self._lock:
            self._count += 1
            n = self._count
        for fault, every in self.faults.items():
            if every and n % every == 0 and (fault != "410" or has_continue):
                self.injected[fault] += 1
                return fault
        return ""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if url.path == "/version":
            return self.send(h, 200, b'{"major": "1", "minor": "30", "gitVersion": "v1.30.4"}')
        base = 2 if parts[0] == "api" else 3
        rest = parts[base:]
        namespace = rest[1] if rest[:1] == ["namespaces"] and len(rest) == 3 else None
        plural = rest[-1]
        self.requests[plural] += 1
        fault = self._fault(bool(query.get("continue")))
        if fault == "429":
            return self.send(h, 429, b'{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 429, '
                                     b'"reason": "TooManyRequests"}', {"Retry-After": "1"})
        if fault == "410":
            body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired",
                    "message": "The provided continue parameter is too old", "metadata": {}}
            return self.send(h, 410, json.dumps(body).encode())
        if fault in ("drop", "stall", "truncate"):
            if fault == "stall":
                time.sleep(self.stall)
            h.close_connection = True
            if fault == "truncate":
                h.send_response(200)
                h.send_header("Content-Length", "100000")
                h.end_headers()
                h.wfile.write(b'{"kind": "PodList", "items": [{"metadata": {"na')
            try:
                h.wfile.flush()
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.send(h, 401, b'{"kind": "Status", "code": 401}')
        if plural == "namespaces" and len(rest) == 1:
            items = [json.dumps(self.cluster.namespace(n)) for n in range(len(self.cluster.namespaces))]
            return self.send(h, 200, self.page("NamespaceList", "v1", items, None, False))
        scoped = self.cluster.cluster_scoped.get(plural)
        if plural not in self.cluster.counts and scoped is None:
            return self.send(h, 404, b'{"kind": "Status", "code": 404, "reason": "NotFound"}')
        meta_only = "as=PartialObjectMetadataList" in h.headers.get("Accept", "")
        token = query.get("continue", "")
        start = int(json.loads(base64.urlsafe_b64decode(token))["start"]) if token else 0
        limit = int(query.get("limit", "0") or 0)
        total = len(scoped) if scoped is not None else self.cluster.total(plural, namespace)
        end = min(total, start + limit) if limit else total
        items = scoped[start:end] if scoped is not None else self.cluster.items(plural, namespace, start, end,
                                                                                 meta_only)
        more = base64.urlsafe_b64encode(json.dumps({"start": end}).encode()).decode() if end < total else None
        kind = "PartialObjectMetadataList" if meta_only else f"{KINDS[plural]}List"
        return self.send(h, 200, self.page(kind, "/".join(parts[1:base]), items, more, meta_only))

    @staticmethod
    def page(kind: str, api_version: str, items: list[str], token: str | None, meta_only: bool) -> bytes:
        meta = {"resourceVersion": "48213"} | ({"continue": token} if token else {})
        head = json.dumps({"kind": kind, "apiVersion": "meta.k8s.io/v1" if meta_only else api_version,
                           "metadata": meta})
        return (head[:-1] + ', "items": [' + ", ".join(items) + "]}").encode()

    @staticmethod
    def send(h: BaseHTTPRequestHandler, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)


def run_audit(kubeconfig: Path, fmt: str, out: Path, extra: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, exit status, stderr's warning lines) of one
    audit process (CPU time is the steadier figure on a busy machine)."""
    cmd = [sys.executable, "-c", "from podwarden.cli import main; main()", "audit", "--kubeconfig", str(kubeconfig), "-o", fmt,
           "--output", str(out), *extra]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONPATH":
                                str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        lines = err.read().decode(errors="replace").splitlines()
        warnings = [line for line in lines if line.startswith(("warning:", "error:"))] or lines[-3:]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), \
        "\n".join(warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="6000,20000", help="pods per cluster, comma-separated "
                        "(6000,20000,60000,150000; the largest takes minutes)")
    parser.add_argument("--formats", default="json,text,sarif,junit,html")
    parser.add_argument("--faults", default="", help="FAULT:N,... (429, drop, truncate, stall, 410): every Nth request")
    parser.add_argument("--stall", type=float, default=3.0, help="seconds a stalled answer waits")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--no-rbac", action="store_true", help="serve no RBAC objects (the cluster before them)")
    args = parser.parse_args(argv)
    faults = {k: int(v) for k, v in (item.split(":") for item in args.faults.split(",") if item)}
    extra = ["--page-size", str(args.page_size)]
    if "stall" in faults:
        extra += ["--request-timeout", str(max(0.5, args.stall / 3))]
    print(f"{'pods':>8} {'format':<6} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'report MiB':>10} exit  requests")
    with tempfile.TemporaryDirectory(prefix="podwarden-bench-") as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            cluster = Cluster(scale, rbac=not args.no_rbac)
            pods = cluster.total("pods", None)
            for fmt in args.formats.split(","):
                server = Server(cluster, Path(tmp), faults, args.stall)
                try:
                    out = Path(tmp) / f"report.{fmt}"
                    wall, cpu, rss, code, warnings = run_audit(server.kubeconfig(Path(tmp) / "kc"), fmt, out, extra)
                    size = out.stat().st_size / 2**20 if out.exists() else 0.0
                    reqs = ", ".join(f"{k} {v}" for k, v in sorted(server.requests.items()))
                    print(f"{pods:>8} {fmt:<6} {wall:>7.1f} {cpu:>7.1f} {rss:>9.0f} {size:>10.1f} {code:>4}  {reqs}",
                          flush=True)
                    if faults:
                        print(f"{'':>8} faults injected: {dict(server.injected)}")
                    for line in warnings.splitlines():
                        print(f"{'':>8} {line[:200]}")
                finally:
                    server.stop()
    return 0


_unused: Callable[..., Any] | None = None

if __name__ == "__main__":
    sys.exit(main())
