"""Benchmark `podwarden serve`: throughput and latency over HTTPS keep-alive on loopback.

The server runs in its own process (`podwarden serve --self-signed ... --echo-endpoint`);
the load comes from another process: an asyncio client holding N keep-alive TLS
connections, each sending one request after another.  Scenarios: a realistic Deployment
review and a realistic Pod review on /validate, the Pod on /mutate, and the same
Deployment review on /echo (parse and echo only), the baseline for the ratio.

    .venv/bin/python bench/webhook.py [--seconds 8] [--connections 8]

Targets (2 cores): >= 1,000 reviews/s, p99 <= 20 ms, evaluation <= 25% over echo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

CONTAINER = {
    "name": "api", "image": "contoso.azurecr.io/shop/api:2.14.1@sha256:" + "ab" * 32,
    "imagePullPolicy": "IfNotPresent",
    "args": ["--port=8080", "--log-format=json"],
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "env": [{"name": "ASPNETCORE_URLS", "value": "http://+:8080"},
            {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "shop", "key": "db-host"}}}],
    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                        "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                     {"name": "secrets", "mountPath": "/mnt/secrets", "readOnly": True}],
}
SIDECAR = {"name": "envoy", "image": "mcr.microsoft.com/oss/envoyproxy/envoy:v1.29.2",
           "ports": [{"containerPort": 15001}],
           "securityContext": {"allowPrivilegeEscalation": False, "runAsUser": 1337, "runAsNonRoot": True,
                               "capabilities": {"drop": ["ALL"]}}}
POD_SPEC = {
    "serviceAccountName": "shop-api",
    "securityContext": {"runAsUser": 10001, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "initContainers": [{"name": "migrate", "image": "contoso.azurecr.io/shop/migrate:2.14.1",
                        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                            "capabilities": {"drop": ["ALL"]}}}],
    "containers": [CONTAINER, SIDECAR],
    "volumes": [{"name": "tmp", "emptyDir": {}},
                {"name": "secrets", "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                                            "volumeAttributes": {"secretProviderClass": "shop-kv"}}}],
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "workload", "operator": "Equal", "value": "shop", "effect": "NoSchedule"}],
}
LABELS = {"app.kubernetes.io/name": "shop-api", "app.kubernetes.io/version": "2.14.1",
          "azure.workload.identity/use": "true"}


def deployment() -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "shop-api", "namespace": "shop", "labels": LABELS,
                         "annotations": {"deployment.kubernetes.io/revision": "7"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app.kubernetes.io/name": "shop-api"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                     "template": {"metadata": {"labels": LABELS}, "spec": POD_SPEC}}}


def pod() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"generateName": "shop-api-6f9c7d8b5-", "namespace": "shop", "labels": LABELS,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "shop-api-6f9c7d8b5", "uid": str(uuid.uuid4()),
                                              "controller": True, "blockOwnerDeletion": True}]},
            "spec": POD_SPEC}


def review(obj: dict[str, Any]) -> bytes:
    group, _, version = obj["apiVersion"].rpartition("/")
    kind = {"group": group, "version": version, "kind": obj["kind"]}
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": kind, "requestKind": kind,
        "resource": {"group": group, "version": version, "resource": obj["kind"].lower() + "s"},
        "name": obj["metadata"].get("name", ""), "namespace": "shop", "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "groups": ["system:serviceaccounts", "system:authenticated"]},
        "object": obj, "oldObject": None, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}).encode()


# -- client (its own process) ---------------------------------------------------------------


async def _connection(port: int, ctx: ssl.SSLContext, path: str, body: bytes, stop: float,
                      latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    while time.perf_counter() < stop:
        started = time.perf_counter()
        writer.write(head + body)
        status = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        payload = await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if not status.startswith(b"HTTP/1.1 200") or b'"uid"' not in payload:
            raise RuntimeError(f"bad answer: {status!r} {payload[:200]!r}")
    writer.close()


def _client(port: int, ca: str, path: str, body: bytes, seconds: float, connections: int,
            queue: Any) -> None:
    async def main() -> list[float]:
        ctx = ssl.create_default_context(cafile=ca)
        latencies: list[float] = []
        # warm-up, then measure
        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(_connection(port, ctx, path, body, warm, []) for _ in range(connections)))
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(_connection(port, ctx, path, body, stop, latencies) for _ in range(connections)))
        return latencies

    queue.put(asyncio.run(main()))


def measure(port: int, ca: str, path: str, body: bytes, seconds: float, connections: int) -> dict[str, float]:
    mp = multiprocessing.get_context("spawn")
    queue = mp.Queue()
    proc = mp.Process(target=_client, args=(port, ca, path, body, seconds, connections, queue))
    proc.start()
    latencies = sorted(queue.get(timeout=seconds + 60))
    proc.join()
    n = len(latencies)
    return {"requests": n, "rps": n / seconds,
            "p50": latencies[n // 2] * 1000, "p99": latencies[min(n - 1, int(n * 0.99))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="podwarden-bench-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--self-signed", str(tmp), "--kube-api", "off", "--echo-endpoint"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # JSON logs are still produced
    )
    try:
        ca = str(tmp / "ca.crt")
        deadline = time.time() + 30
        while True:
            try:
                ctx = ssl.create_default_context(cafile=ca)
                with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, \
                        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
                    conn.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if conn.recv(100).startswith(b"HTTP/1.1 200"):
                        break
            except (OSError, ssl.SSLError):
                pass
            if time.time() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        print(f"podwarden webhook benchmark: {os.cpu_count()} cores, {args.connections} keep-alive "
              f"HTTPS connections, {args.seconds:g}s per scenario")
        scenarios = [
            ("echo (Deployment review, parse+echo)", "/echo", review(deployment())),
            ("validate Deployment", "/validate", review(deployment())),
            ("validate Pod", "/validate", review(pod())),
            ("mutate Pod (workload identity)", "/mutate", review(pod())),
        ]
        results = {}
        for name, path, body in scenarios:
            r = measure(port, ca, path, body, args.seconds, args.connections)
            results[name] = r
            print(f"  {name:<40} {r['rps']:8.0f} reviews/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
                  f"   ({int(r['requests'])} requests, body {len(body)} bytes)")
        echo = results[scenarios[0][0]]
        for name in list(results)[1:]:
            r = results[name]
            over = (echo["rps"] / r["rps"] - 1) * 100
            print(f"  {name:<40} costs {over:+.1f}% time per review over echo "
                  f"(p50 x{r['p50'] / echo['p50']:.2f})")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
