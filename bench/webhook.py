"""Benchmark `podwarden serve`: throughput and latency over HTTPS keep-alive on loopback.

The server runs in its own process (`podwarden serve --self-signed ... --echo-endpoint`);
the load comes from another process: an asyncio client holding N keep-alive TLS
connections, each sending one request after another.  Every request is a new admission
review (its own uid), as the API server sends them:

- replicas: Pods of one ReplicaSet, each with its own name, uid and timestamps, and a
  Deployment applied again unchanged (one evaluation, then the cache);
- all different: every object differs in one env value, so every request is evaluated;
- mutate: workload identity injection on the Pod;
- echo: the same server parsing and echoing the same reviews, run just before each
  scenario: the baseline of its ratio.

With ``--servers N`` it starts N server processes, each on its own port, and spreads the
connections over them in turn, as a Service spreads them over N replicas: how far the
machine's cores carry the webhook when the GIL no longer bounds it to one.

Beside throughput and latency it prints the server process's CPU time per review (from
/proc, Linux): on a machine shared with other work, a steadier figure than reviews/s.

    .venv/bin/python bench/webhook.py [--seconds 8] [--connections 8] [--servers 1]

Targets (2 cores): >= 1,000 reviews/s, p99 <= 20 ms, evaluation <= 25% over echo.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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
            "metadata": {"name": "shop-api-6f9c7d8b5-@NAME@", "generateName": "shop-api-6f9c7d8b5-",
                         "namespace": "shop", "uid": "@UID@", "creationTimestamp": "2026-11-28T10:00:00Z",
                         "labels": LABELS,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "shop-api-6f9c7d8b5", "uid": str(uuid.uuid4()),
                                              "controller": True, "blockOwnerDeletion": True}]},
            "spec": POD_SPEC}


def vary(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with an env value that differs on every request (no two are the same)."""
    varied = json.loads(json.dumps(obj))
    spec = varied["spec"] if varied["kind"] == "Pod" else varied["spec"]["template"]["spec"]
    spec["containers"][0]["env"].append({"name": "BUILD", "value": "@SEQ@"})
    return varied


def review(obj: dict[str, Any], operation: str = "CREATE") -> bytes:
    """An AdmissionReview template; ``@UID@``, ``@NAME@`` and ``@SEQ@`` change per request."""
    group, _, version = obj["apiVersion"].rpartition("/")
    kind = {"group": group, "version": version, "kind": obj["kind"]}
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "@UID@", "kind": kind, "requestKind": kind,
        "resource": {"group": group, "version": version, "resource": obj["kind"].lower() + "s"},
        "name": obj["metadata"].get("name", ""), "namespace": "shop", "operation": operation,
        "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "groups": ["system:serviceaccounts", "system:authenticated"]},
        "object": obj, "oldObject": obj if operation == "UPDATE" else None, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}).encode()


def filled(template: bytes, n: int) -> bytes:
    """The n-th request of a template: its own uid, pod name and sequence number."""
    return (template.replace(b"@UID@", str(uuid.UUID(int=n)).encode())
            .replace(b"@NAME@", f"{n:05x}"[-5:].encode()).replace(b"@SEQ@", str(n).encode()))


# -- client (its own process) ---------------------------------------------------------------


async def _connection(port: int, ctx: ssl.SSLContext, path: str, template: bytes, stop: float,
                      latencies: list[float], counter: itertools.count) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")
    while time.perf_counter() < stop:
        body = filled(template, next(counter))
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
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


def _client(ports: list[int], ca: str, path: str, body: bytes, seconds: float, connections: int,
            first: int, queue: Any) -> None:
    sent = [0]  # requests of the warm-up

    async def main() -> list[float]:
        ctx = ssl.create_default_context(cafile=ca)
        latencies: list[float] = []
        # warm-up, then measure
        counter = itertools.count(first)
        warm = time.perf_counter() + 1.0
        warming: list[float] = []
        await asyncio.gather(*(_connection(ports[n % len(ports)], ctx, path, body, warm, warming, counter)
                               for n in range(connections)))
        sent[0] = len(warming)
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(_connection(ports[n % len(ports)], ctx, path, body, stop, latencies, counter)
                               for n in range(connections)))
        return latencies

    latencies = asyncio.run(main())
    queue.put((latencies, sent[0] + len(latencies)))


def measure(ports: list[int], ca: str, path: str, body: bytes, seconds: float, connections: int,
            first: int = 0) -> dict[str, float]:
    """Drive one scenario; request numbers start at ``first`` (a new range: new objects);
    connection n goes to ``ports[n % len(ports)]``."""
    mp = multiprocessing.get_context("spawn")
    queue = mp.Queue()
    proc = mp.Process(target=_client, args=(ports, ca, path, body, seconds, connections, first, queue))
    proc.start()
    latencies, total = queue.get(timeout=seconds + 60)
    latencies.sort()
    proc.join()
    n = len(latencies)
    return {"requests": n, "sent": total, "rps": n / seconds,
            "p50": latencies[n // 2] * 1000, "p99": latencies[min(n - 1, int(n * 0.99))] * 1000}


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far, from /proc (Linux)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cache_counts(ports: list[int], ca: str) -> tuple[float, float]:
    """The servers' evaluation caches (hits, misses) from /metrics, added up."""
    ctx = ssl.create_default_context(cafile=ca)
    counts = {"hit": 0.0, "miss": 0.0}
    for port in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            text = b""
            while chunk := conn.recv(65536):
                text += chunk
        for line in text.decode().splitlines():
            if line.startswith("podwarden_evaluation_cache_total{"):
                result = line.split('result="', 1)[1].split('"', 1)[0]
                counts[result] += float(line.rsplit(" ", 1)[1])
    return counts["hit"], counts["miss"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, ca: str, deadline: float) -> None:
    while True:
        try:
            ctx = ssl.create_default_context(cafile=ca)
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, \
                    ctx.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
                conn.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if conn.recv(100).startswith(b"HTTP/1.1 200"):
                    return
        except (OSError, ssl.SSLError):
            pass
        if time.time() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the scenarios whose name contains TEXT (repeatable)")
    parser.add_argument("--servers", type=int, default=1,
                        help="server processes, each on its own port, connections spread over them")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="podwarden-bench-"))
    ports = [free_port() for _ in range(args.servers)]
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for n, port in enumerate(ports):
            servers.append(subprocess.Popen(
                [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--self-signed", str(tmp), "--kube-api", "off", "--echo-endpoint"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # JSON logs are still produced
            ))
            ca = str(tmp / "ca.crt")
            if n == 0:  # the first writes the certificates the others reuse
                wait_ready(port, ca, time.time() + 30)
        for port in ports:
            wait_ready(port, ca, time.time() + 30)
        pids = [server.pid for server in servers]
        print(f"podwarden webhook benchmark: {os.cpu_count()} cores, {args.connections} keep-alive "
              f"HTTPS connections, {args.seconds:g}s per scenario, {args.servers} server process(es)")
        deploy_update, a_pod = review(deployment(), "UPDATE"), review(pod())
        varied_deploy, varied_pod = review(vary(deployment())), review(vary(pod()))
        # each scenario right after the echo of the same reviews: the ratio compares like with like
        scenarios = [
            ("validate Pod, replicas", "/validate", a_pod),
            ("validate Deployment, re-applied", "/validate", deploy_update),
            ("validate Pod, all different", "/validate", varied_pod),
            ("validate Deployment, all different", "/validate", varied_deploy),
            ("mutate Pod (workload identity)", "/mutate", a_pod),
        ]
        ratios = []
        for number, (name, path, body) in enumerate(scenarios):
            if args.only and not any(text in name for text in args.only):
                continue
            cpu = cpu_seconds(pids)
            echo = measure(ports, ca, "/echo", body, args.seconds, args.connections, first=number * 10**8)
            # the server's CPU time per review: what the shared machine's other load does not change much
            echo["cpu"], cpu = (cpu_seconds(pids) - cpu) / max(echo["sent"], 1) * 1e6, cpu_seconds(pids)
            before = cache_counts(ports, ca)
            r = measure(ports, ca, path, body, args.seconds, args.connections, first=number * 10**8)
            r["cpu"] = (cpu_seconds(pids) - cpu) / max(r["sent"], 1) * 1e6
            hits, misses = (now - then for now, then in zip(cache_counts(ports, ca), before, strict=True))
            cached = f", {hits / (hits + misses):.0%} from cache" if hits + misses else ""
            for label, m in (("  echo", echo), (name, r)):
                print(f"  {label:<36} {m['rps']:7.0f} reviews/s  p50 {m['p50']:5.2f} ms  p99 {m['p99']:5.2f} ms"
                      f"  server CPU {m['cpu']:4.0f} µs/review  ({int(m['requests'])} requests, {len(filled(body, 0))} bytes"
                      f"{cached if m is r else ''})")
            ratios.append((name, (echo["rps"] / r["rps"] - 1) * 100, r["p50"] / echo["p50"], r["cpu"] - echo["cpu"]))
        for name, over, p50, cpu_over in ratios:
            print(f"  {name:<36} costs {over:+6.1f}% time per review over echo (p50 x{p50:.2f}; "
                  f"server CPU {cpu_over:+4.0f} µs/review)")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
