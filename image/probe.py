"""Talk to `podwarden serve` running in the image, over HTTPS on 127.0.0.1 (image/test.sh).

    python3 image/probe.py PORT CA_FILE

Waits for /healthz, then sends AdmissionReviews: a privileged pod must be denied and a
hardened one allowed; /readyz and /metrics must answer.  Standard library only (it runs on
the build machine's python3, not in the image).  Exit 0 when every check passed.
"""

from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HARDENED_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.example/app:1.0",
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


def pod(name: str, privileged: bool) -> dict[str, Any]:
    container = json.loads(json.dumps(HARDENED_CONTAINER))
    if privileged:
        container["securityContext"] = {"privileged": True}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team"},
            "spec": {"containers": [container], "automountServiceAccountToken": False}}


def review(obj: dict[str, Any]) -> dict[str, Any]:
    gvk = {"group": "", "version": "v1", "kind": "Pod"}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": gvk, "requestKind": gvk,
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": obj["metadata"]["name"], "namespace": "team", "operation": "CREATE",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": obj, "oldObject": None, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}


class Probe:
    def __init__(self, port: int, ca: Path) -> None:
        self.base = f"https://127.0.0.1:{port}"
        self.ca = ca
        self.context: ssl.SSLContext | None = None

    def get(self, path: str) -> tuple[int, str]:
        assert self.context is not None
        with urllib.request.urlopen(self.base + path, context=self.context, timeout=10) as response:
            return response.status, response.read().decode()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.context is not None
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
            assert response.status == 200, response.status
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def wait_healthy(self, seconds: float) -> None:
        """Until the CA file exists and /healthz answers 200 over TLS verified with it."""
        deadline = time.monotonic() + seconds
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                if self.context is None and self.ca.exists() and self.ca.stat().st_size > 0:
                    self.context = ssl.create_default_context(cafile=str(self.ca))
                if self.context is not None:
                    status, _ = self.get("/healthz")
                    if status == 200:
                        return
            except (OSError, ssl.SSLError, urllib.error.URLError) as exc:
                last = exc
            time.sleep(0.2)
        raise SystemExit(f"probe: /healthz did not answer within {seconds:.0f} s ({last})")


def main(argv: list[str]) -> int:
    port, ca = int(argv[1]), Path(argv[2])
    probe = Probe(port, ca)
    probe.wait_healthy(90)
    print("probe: /healthz 200 over HTTPS, certificate verified with the generated CA")
    status, _ = probe.get("/readyz")
    assert status == 200, f"/readyz answered {status}"

    sent = review(pod("privileged", privileged=True))
    answer = probe.post("/validate", sent)["response"]
    assert answer["uid"] == sent["request"]["uid"]
    assert answer["allowed"] is False, answer
    message = answer.get("status", {}).get("message", "")
    assert "privileged" in message, message
    print(f"probe: privileged pod denied: {message.splitlines()[0]}")

    sent = review(pod("hardened", privileged=False))
    answer = probe.post("/validate", sent)["response"]
    assert answer["uid"] == sent["request"]["uid"]
    assert answer["allowed"] is True, answer
    print("probe: hardened pod allowed")

    status, metrics = probe.get("/metrics")
    assert status == 200 and "podwarden_" in metrics, "/metrics without podwarden's counters"
    print("probe: /readyz 200, /metrics 200")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
