"""Probes and lifecycle handlers aimed at another host.

## What it checks
From v1.34, no container's liveness, readiness or startup probe, nor its `postStart` or
`preStop` handler, sets `httpGet.host` or `tcpSocket.host` (Pod Security Standards,
baseline). Any value fails, `localhost` and `127.0.0.1` included.

## Why
AKS guide, security context: limit the pod's access to other services. The kubelet runs
these requests from the node, so a host field turns the pod into a way to make the node
reach any address.

## Fix
Remove `host`: the kubelet then targets the pod's own IP.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, Node, PodView, Severity, Violation, rule

RULE = rule("pss/probe-host", severity=Severity.MEDIUM, pss=Level.BASELINE,
            upstream_id="hostProbesAndHostLifecycle", reason="probe or lifecycle host")


PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")


def _handlers(container: Node) -> Iterator[tuple[str, Node]]:
    """The probes and lifecycle hooks a container sets (absent ones are skipped unread)."""
    data = container.data
    for probe in PROBES:
        if data.get(probe) is not None:
            yield probe, container.map(probe)
    if data.get("lifecycle") is not None:
        lifecycle = container.map("lifecycle")
        for hook in HOOKS:
            if lifecycle.data.get(hook) is not None:
                yield f"lifecycle.{hook}", lifecycle.map(hook)


@RULE.check(since="1.34")
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        for name, handler in _handlers(c.node):
            for action in ("httpGet", "tcpSocket"):
                if handler.data.get(action) is None:
                    continue
                target = handler.map(action)
                host = target.str("host")
                if host:
                    yield Violation(target.at("host"),
                                    f'{c.describe()} {name}.{action}.host="{host}" is not allowed')
