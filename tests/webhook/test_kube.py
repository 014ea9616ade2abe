"""Namespace labels and ServiceAccount annotations from a local server speaking the
Kubernetes API's JSON (GET namespace, GET serviceaccount), over HTTPS with a bearer token."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from podwarden.fix.jsonpatch import apply_patch
from podwarden.webhook import review, tls, wi
from podwarden.webhook.app import Settings
from podwarden.webhook.kube import KubeClient
from podwarden.webhook.policy import parse_config
from tests.webhook.conftest import Running, admission, pod, start

TOKEN = "test-bearer-token"


class FakeApi:
    """Serves namespaces and serviceaccounts as the API server's JSON; 404 as a Status."""

    def __init__(self, tmp: Path) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.hits: list[str] = []
        self.auth: set[str] = set()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.hits.append(self.path)
                api.auth.add(self.headers.get("Authorization", ""))
                found = api.objects.get(self.path)
                if found is None:
                    status, body = 404, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                         "status": "Failure", "reason": "NotFound", "code": 404,
                                         "message": f"{self.path} not found"}
                else:
                    status, body = 200, found
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        pair = tls.ensure_self_signed(tmp / "api")
        self.ca = str(pair.ca_cert)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair.cert, pair.key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.token_file = tmp / "token"
        self.token_file.write_text(TOKEN)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def namespace(self, name: str, labels: dict[str, str]) -> None:
        self.objects[f"/api/v1/namespaces/{name}"] = {
            "kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
        }

    def service_account(self, namespace: str, name: str, annotations: dict[str, str]) -> None:
        self.objects[f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}"] = {
            "kind": "ServiceAccount", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations,
                         "uid": "0b8d1c2e-0000-0000-0000-000000000001", "resourceVersion": "1"},
        }

    def client(self) -> KubeClient:
        return KubeClient(self.url, str(self.token_file), self.ca, ttl=60)


@pytest.fixture
def fake_api(tmp_path: Path) -> Iterator[FakeApi]:
    api = FakeApi(tmp_path)
    yield api
    api.httpd.shutdown()


@pytest.fixture
def hooked(tmp_path: Path, fake_api: FakeApi) -> Iterator[Running]:
    settings = Settings(workload_identity=wi.Settings(tenant_id="cluster-tenant"))
    running = start(tmp_path / "hook", settings, kube_factory=fake_api.client)
    yield running
    running.stop()


def wi_pod() -> dict[str, Any]:
    obj = pod("api", serviceAccountName="api-sa")
    obj["metadata"]["labels"] = {"azure.workload.identity/use": "true"}
    return obj


def test_namespace_labels_set_the_policy_and_are_cached(hooked: Running, fake_api: FakeApi) -> None:
    fake_api.namespace("team", {"pod-security.kubernetes.io/enforce": "restricted"})
    loose = pod()
    loose["spec"]["containers"][0]["securityContext"].pop("runAsNonRoot")
    for _ in range(3):
        res = hooked.review("/validate", admission(loose))
        assert res["allowed"] is False and "enforce restricted:latest" in res["status"]["message"]
    assert fake_api.hits.count("/api/v1/namespaces/team") == 1
    assert fake_api.auth == {f"Bearer {TOKEN}"}


def test_unknown_namespace_uses_the_default_policy(hooked: Running) -> None:
    loose = pod()
    loose["spec"]["containers"][0]["securityContext"].pop("runAsNonRoot")
    assert hooked.review("/validate", admission(loose, namespace="nowhere"))["allowed"] is True


def test_workload_identity_from_service_account(hooked: Running, fake_api: FakeApi) -> None:
    fake_api.service_account("team", "api-sa", {wi.CLIENT_ID: "client-guid"})
    obj = wi_pod()
    res = hooked.review("/mutate", admission(obj))
    assert res["allowed"] is True
    patched = apply_patch(obj, review.decode_patch(res))
    env = {e["name"]: e["value"] for e in patched["spec"]["containers"][0]["env"]}
    assert env["AZURE_CLIENT_ID"] == "client-guid" and env["AZURE_TENANT_ID"] == "cluster-tenant"
    assert "patch" not in hooked.review("/mutate", admission(patched))
    hooked.review("/mutate", admission(wi_pod()))
    assert fake_api.hits.count("/api/v1/namespaces/team/serviceaccounts/api-sa") == 1


def test_missing_service_account_is_refused(hooked: Running) -> None:
    res = hooked.review("/mutate", admission(wi_pod(), namespace="elsewhere"))
    assert res["allowed"] is False and res["status"]["code"] == 400
    assert 'service account "elsewhere/api-sa" not found' in res["status"]["message"]


def test_bad_expiration_annotation_is_refused(hooked: Running, fake_api: FakeApi) -> None:
    fake_api.service_account("team", "api-sa", {wi.EXPIRATION: "60"})
    res = hooked.review("/mutate", admission(wi_pod()))
    assert res["allowed"] is False and "between 3600 and 86400" in res["status"]["message"]


def test_unlabelled_pods_are_not_injected(hooked: Running, fake_api: FakeApi) -> None:
    assert "patch" not in hooked.review("/mutate", admission(pod()))
    assert not any("serviceaccounts" in hit for hit in fake_api.hits)


def test_without_api_injection_still_happens_and_warns(tmp_path: Path) -> None:
    running = start(tmp_path)
    try:
        res = running.review("/mutate", admission(wi_pod()))
        patched = apply_patch(wi_pod(), review.decode_patch(res))
        names = {e["name"] for e in patched["spec"]["containers"][0]["env"]}
        assert names == {"AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"}
        assert any("service account not readable" in w for w in res["warnings"])
    finally:
        running.stop()


def test_api_failure_on_service_account_fails_closed(tmp_path: Path) -> None:
    dead = lambda: KubeClient("https://127.0.0.1:9", None, None, timeout=0.5)  # noqa: E731
    running = start(tmp_path, kube_factory=dead)
    try:
        res = running.review("/mutate", admission(wi_pod()))
        assert res["allowed"] is False and "Kubernetes API" in res["status"]["message"]
        # unreadable namespace labels fail closed too: a namespace labelled restricted must
        # not fall back to the defaults because the API did not answer
        res = running.review("/validate", admission(pod()))
        assert res["allowed"] is False and "Kubernetes API" in res["status"]["message"]
    finally:
        running.stop()
    running = start(tmp_path, Settings(policy=parse_config({"onError": "allow"})), kube_factory=dead)
    try:
        res = running.review("/validate", admission(pod()))
        assert res["allowed"] is True and any("onError: allow" in w for w in res["warnings"])
    finally:
        running.stop()
