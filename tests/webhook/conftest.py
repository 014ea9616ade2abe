"""Helpers: a real webhook over HTTPS on loopback (uvicorn in a thread), admission reviews."""

from __future__ import annotations

import asyncio
import copy
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from podwarden.rules.registry import Registry
from podwarden.webhook import tls
from podwarden.webhook.app import Settings, create_app
from podwarden.webhook.kube import KubeClient
from podwarden.webhook.server import Limits, WebhookServer


class Running:
    """A webhook server running in a thread; ``client`` trusts its generated CA."""

    def __init__(self, server: WebhookServer, thread: threading.Thread, ca: Path) -> None:
        self.server = server
        self.thread = thread
        self.ca = ca
        self.url = f"https://127.0.0.1:{server.port}"
        self.client = httpx.Client(base_url=self.url, verify=ssl.create_default_context(cafile=str(ca)), timeout=10)

    @property
    def hook(self) -> Any:
        return self.server.config.app.state.webhook

    def review(self, path: str, review: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=review)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        assert data["apiVersion"] == "admission.k8s.io/v1" and data["kind"] == "AdmissionReview"
        assert data["response"]["uid"] == review["request"]["uid"]
        return data["response"]  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.client.close()
        self.server.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def start(
    tmp: Path,
    settings: Settings | None = None,
    registry: Registry | None = None,
    kube_factory: Callable[[], KubeClient | None] | None = None,
    reload_interval: float = 5.0,
    limits: Limits | None = None,
) -> Running:
    pair = tls.ensure_self_signed(tmp / "certs")
    app = create_app(settings or Settings(), registry, kube_factory)
    server = WebhookServer(app, "127.0.0.1", 0, str(pair.cert), str(pair.key),
                           graceful_timeout=10, reload_interval=reload_interval, limits=limits,
                           metrics=app.state.webhook.metrics)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.server.started:
        assert thread.is_alive(), "server thread died"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    return Running(server, thread, pair.ca_cert)


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path)
    yield running
    running.stop()


# -- objects and reviews --------------------------------------------------------------------

HARDENED_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.example/app:1.2.3",
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def pod(name: str = "web", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"containers": [copy.deepcopy(HARDENED_CONTAINER)],
                            "automountServiceAccountToken": False}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team"}, "spec": body}


def deployment(template_spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "team"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": template_spec}},
    }


def admission(obj: dict[str, Any], operation: str = "CREATE", namespace: str = "team",
              username: str = "alice", **extra: Any) -> dict[str, Any]:
    group, _, version = obj["apiVersion"].rpartition("/")
    resource = {"Pod": "pods", "Deployment": "deployments"}.get(obj["kind"], obj["kind"].lower() + "s")
    request: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "kind": {"group": group, "version": version, "kind": obj["kind"]},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": obj["kind"]},
        "name": obj["metadata"].get("name", ""),
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": username, "groups": ["system:authenticated"]},
        "object": obj,
        "oldObject": None,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    request.update(extra)
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
