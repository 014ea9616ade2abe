"""A stand-in Kubernetes API server over HTTPS, answering GETs from recorded objects.

Answers have the API server's exact JSON shapes: ``<Kind>List`` documents whose items
carry no ``apiVersion``/``kind``, ``metadata.resourceVersion`` and ``metadata.continue``
paging driven by ``limit``; ``PartialObjectMetadataList`` when the ``Accept`` header asks
for it; ``Status`` objects for 401, 403 (forbidden, with RBAC's wording), 404 and 410
(expired continue token, with the inconsistent-continue token Kubernetes offers).
Every request is logged so tests can see what the client asked for.

Faults a busy API server produces can be injected per path (``Behaviour.faults``): ``429``
with ``Retry-After``, ``503``, a connection dropped before the answer, a body cut short
of its ``Content-Length``, and a stall longer than the client waits.  As Go's server, it
speaks HTTP/1.1 with keep-alive and turns Nagle's algorithm off (``TCP_NODELAY``), so an
answer is not held back ~40 ms waiting for the client's acknowledgement.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from podwarden.webhook.tls import ensure_self_signed

TOKEN = "recorded-cluster-token"
RESOURCE_VERSION = "48213"


@dataclass
class Request:
    path: str
    query: dict[str, str]
    accept: str


@dataclass
class Behaviour:
    """What the server denies or breaks: ``forbidden`` holds (plural, namespace or None)."""

    forbidden: set[tuple[str, str | None]] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)  # plurals not served (404)
    expire_continue: dict[str, int] = field(default_factory=dict)  # path -> expiries left
    #: path (``PATH?continue``: only pages after the first) -> faults for its next requests,
    #: one each: "429", "503", "drop", "truncate", "stall"
    faults: dict[str, list[str]] = field(default_factory=dict)
    #: seconds every answer waits (a slow server: shows whether lists overlap)
    delay: float = 0.0
    #: seconds a "stall" holds the answer back
    stall: float = 3.0
    #: Retry-After of a "429", in whole seconds as the API server sends it
    retry_after: int = 1
    version: dict[str, str] = field(default_factory=lambda: {
        "major": "1", "minor": "29", "gitVersion": "v1.29.7", "platform": "linux/amd64"})


class FakeAPI:
    """Serves ``objects`` (plural -> list of full objects) until ``stop``."""

    def __init__(self, objects: dict[str, list[dict[str, Any]]], tls_dir: Path,
                 behaviour: Behaviour | None = None) -> None:
        self.objects = objects
        self.behaviour = behaviour or Behaviour()
        self.requests: list[Request] = []
        #: requests being answered now, and the most at once
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as every API server

            def do_GET(self) -> None:
                with api._lock:
                    api.in_flight += 1
                    api.most_in_flight = max(api.most_in_flight, api.in_flight)
                try:
                    api._handle(self)
                finally:
                    with api._lock:
                        api.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _NoDelayServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        paths = ensure_self_signed(tls_dir)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(paths.cert, paths.key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.ca_bundle = paths.ca_bundle
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self, path: Path, token: str = TOKEN, server: str | None = None) -> Path:
        """A kubeconfig file for this server (two contexts: ``recorded`` and ``other``)."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "recorded",
            "clusters": [{"name": "recorded", "cluster": {
                "server": server or self.url, "certificate-authority-data": self.ca_bundle}}],
            "users": [{"name": "auditor", "user": {"token": token}}],
            "contexts": [
                {"name": "recorded", "context": {"cluster": "recorded", "user": "auditor"}},
                {"name": "other", "context": {"cluster": "recorded", "user": "auditor", "namespace": "shop"}},
            ],
        }
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    # -- answering ------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        accept = h.headers.get("Accept", "")
        self.requests.append(Request(url.path, query, accept))
        if self.behaviour.delay:
            time.sleep(self.behaviour.delay)
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(h, 401, _status(401, "Unauthorized", "Unauthorized"))
        if url.path == "/version":
            return self._send(h, 200, self.behaviour.version)
        parts = url.path.strip("/").split("/")
        # /api/v1/<plural>, /api/v1/namespaces/<ns>/<plural>, /apis/<g>/<v>/..., /api/v1/namespaces/<name>
        base = 2 if parts[0] == "api" else 3
        rest = parts[base:]
        namespace: str | None = None
        if rest[:1] == ["namespaces"] and len(rest) == 2:
            return self._get_namespace(h, rest[1])
        if rest[:1] == ["namespaces"] and len(rest) == 3:
            namespace, plural = rest[1], rest[2]
        elif len(rest) == 1:
            plural = rest[0]
        else:
            return self._send(h, 404, _status(404, "NotFound", "the server could not find the requested resource"))
        group_version = "/".join(parts[1:base])
        if plural in self.behaviour.missing or plural not in self.objects:
            return self._send(h, 404, _status(404, "NotFound", "the server could not find the requested resource"))
        if (plural, namespace) in self.behaviour.forbidden:
            return self._send(h, 403, _forbidden(plural, group_version, namespace))
        if self._fault(h, url.path, query):
            return None
        items = [o for o in self.objects[plural]
                 if namespace is None or o["metadata"].get("namespace") == namespace]
        self._list(h, url.path, plural, group_version, items, query, accept)

    def _fault(self, h: BaseHTTPRequestHandler, path: str, query: dict[str, str]) -> bool:
        """Apply the next fault queued for this request, if any; True when it answered."""
        queue = self.behaviour.faults.get(path + "?continue" if query.get("continue") else path) \
            or self.behaviour.faults.get(path)
        if not queue:
            return False
        fault = queue.pop(0)
        if fault == "429":
            body = json.dumps(_status(429, "TooManyRequests", "Too many requests, please try again later.",
                                      {"retryAfterSeconds": self.behaviour.retry_after})).encode()
            h.send_response(429)
            h.send_header("Retry-After", str(self.behaviour.retry_after))
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return True
        if fault == "503":
            self._send(h, 503, _status(503, "ServiceUnavailable", "the server is currently unable to handle the request"))
            return True
        if fault == "stall":
            time.sleep(self.behaviour.stall)
        h.close_connection = True
        if fault == "truncate":  # the headers promise more than is sent
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "4096")
            h.end_headers()
            h.wfile.write(b'{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [{"metad')
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return True

    def _get_namespace(self, h: BaseHTTPRequestHandler, name: str) -> None:
        if ("namespaces", name) in self.behaviour.forbidden:
            return self._send(h, 403, _forbidden("namespaces", "v1", None, name))
        for ns in self.objects.get("namespaces", []):
            if ns["metadata"]["name"] == name:
                return self._send(h, 200, {"kind": "Namespace", "apiVersion": "v1", **ns})
        return self._send(h, 404, _status(404, "NotFound", f'namespaces "{name}" not found',
                                          {"name": name, "kind": "namespaces"}))

    def _list(self, h: BaseHTTPRequestHandler, path: str, plural: str, group_version: str,
              items: list[dict[str, Any]], query: dict[str, str], accept: str) -> None:
        token = query.get("continue", "")
        if token:
            left = self.behaviour.expire_continue.get(path, 0)
            if left > 0:
                self.behaviour.expire_continue[path] = left - 1
                body = _status(410, "Expired", (
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter, or use the continue token "
                    "in this response to retrieve the remainder of the results. Continuing with the "
                    "provided token results in an inconsistent list - objects that were created, "
                    "modified, or deleted between the time the first chunk was returned and now may "
                    "show up in the list."))
                body["metadata"] = {"continue": token + "-inconsistent"}
                return self._send(h, 410, body)
            start = json.loads(base64.urlsafe_b64decode(token))["start"]
        else:
            start = 0
        limit = int(query.get("limit", "0") or 0)
        end = start + limit if limit else len(items)
        page = items[start:end]
        meta: dict[str, Any] = {"resourceVersion": RESOURCE_VERSION}
        if end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(json.dumps({"start": end, "rv": RESOURCE_VERSION})
                                                        .encode()).decode()
            meta["remainingItemCount"] = len(items) - end
        kind = self.objects_kind(plural)
        if "as=PartialObjectMetadataList" in accept:
            body = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                    "items": [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": o["metadata"]} for o in page]}
        else:
            body = {"kind": f"{kind}List", "apiVersion": group_version, "metadata": meta, "items": page}
        self._send(h, 200, body)

    def objects_kind(self, plural: str) -> str:
        return KINDS[plural]

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


class _NoDelayServer(ThreadingHTTPServer):
    """Answers go out at once: Nagle's algorithm off on every accepted connection."""

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


KINDS = {
    "namespaces": "Namespace", "pods": "Pod", "deployments": "Deployment", "replicasets": "ReplicaSet",
    "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job", "cronjobs": "CronJob",
    "replicationcontrollers": "ReplicationController", "serviceaccounts": "ServiceAccount",
    "configmaps": "ConfigMap", "secrets": "Secret", "secretproviderclasses": "SecretProviderClass",
    "roles": "Role", "rolebindings": "RoleBinding", "clusterroles": "ClusterRole",
    "clusterrolebindings": "ClusterRoleBinding",
}


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


def _forbidden(plural: str, group_version: str, namespace: str | None, name: str | None = None) -> dict[str, Any]:
    group = group_version.rsplit("/", 1)[0] if "/" in group_version else ""
    verb = "get" if name else "list"
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    what = f'{plural} "{name}"' if name else plural
    details: dict[str, Any] = {"kind": plural}
    if name:
        details["name"] = name
    return _status(403, "Forbidden",
                   f'{what} is forbidden: User "auditor@example.com" cannot {verb} resource "{plural}" '
                   f'in API group "{group}" {where}', details)
