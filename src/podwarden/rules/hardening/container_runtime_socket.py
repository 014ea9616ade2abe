r"""Container runtime socket mounted from the node.

## What it checks
No `hostPath` volume names the container runtime's socket or the directory holding it:
Docker (`/var/run/docker.sock`), containerd (`/run/containerd/containerd.sock`), CRI-O
(`/var/run/crio/crio.sock`), cri-dockerd, k3s's containerd, the `/run` and `/var/run`
directories themselves, and the Windows named pipes (`\\.\pipe\docker_engine`,
`\\.\pipe\containerd-containerd`). Reported on the volume's `hostPath.path`, read-only or
not: connecting to a socket needs no write access to the mount. Applies at every Pod
Security Standards level and to Windows pods.

## Why
AKS guide, security context: limit a pod's access to node processes and services. Whoever
reaches the runtime's socket can start a privileged container on the node, read every
other container's environment and secrets, and so own the node and every workload on it.

## Fix
Do not mount the runtime socket. Build images with a daemonless builder (BuildKit
rootless, Kaniko-style tools) or a remote builder such as ACR Tasks; for node monitoring
use the kubelet's and the runtime's metrics endpoints instead. No automatic fix.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule

RULE = rule("hardening/container-runtime-socket", severity=Severity.CRITICAL)

SOCKETS = frozenset({
    "/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/run/docker",
    "/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
    "/var/run/containerd", "/run/containerd",
    "/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/crio", "/run/crio",
    "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
    "/run/k3s/containerd/containerd.sock", "/run/k3s/containerd",
    "/var/run", "/run",
})
PIPES = frozenset({r"\\.\pipe\docker_engine", r"\\.\pipe\containerd-containerd"})


def runtime_socket(path: str) -> bool:
    text = path.strip()
    if text.lower() in PIPES or text.replace("/", "\\").lower() in PIPES:
        return True
    return "/" + text.strip("/") in SOCKETS if text.startswith("/") else False


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for volume in pod.volumes():
        host = volume.map_if_set("hostPath")
        if host is None:
            continue
        path = host.str("path")
        if path and runtime_socket(path):
            yield Violation(host.at("path"), f'volume "{volume.raw("name")}" mounts the container '
                            f'runtime socket from the node ("{path}")')
