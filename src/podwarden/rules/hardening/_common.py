"""Helpers shared by the hardening rules: effective settings, capabilities, ports, mounts.

Only ``podwarden.rules.api`` is imported; every helper is a pure function of the view.
"""

from __future__ import annotations

from typing import Any

from podwarden.rules.api import ContainerView, FieldPath, Node, PodView, ShapeError

NET_BIND_SERVICE = "NET_BIND_SERVICE"

#: the sysctl that lowers the first privileged port inside the pod's network namespace
UNPRIVILEGED_PORT_START = "net.ipv4.ip_unprivileged_port_start"


def effective_int(c: ContainerView, key: str) -> tuple[int | None, FieldPath]:
    """An integer securityContext field as it applies to ``c`` (container over pod)."""
    value, path = c.effective(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ShapeError(path, "expected an integer")
    return value, path


def effective_bool(c: ContainerView, key: str) -> tuple[bool | None, FieldPath]:
    """A boolean securityContext field as it applies to ``c`` (container over pod)."""
    value, path = c.effective(key)
    if value is not None and not isinstance(value, bool):
        raise ShapeError(path, "expected a boolean")
    return value, path


def runs_as_non_root(c: ContainerView) -> bool:
    """True when the settings alone guarantee a non-root user: an effective
    ``runAsUser`` above 0, or no ``runAsUser`` and an effective ``runAsNonRoot: true``
    (the kubelet then refuses to start an image whose user is root)."""
    user, _ = effective_int(c, "runAsUser")
    if user is not None:
        return user > 0
    non_root, _ = effective_bool(c, "runAsNonRoot")
    return non_root is True


def cap_name(raw: str) -> str:
    """A capability as the runtime reads it: upper-case, without the ``CAP_`` prefix."""
    name = raw.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


def added_capabilities(c: ContainerView) -> list[tuple[FieldPath, str, str]]:
    """``(path, normalised name, as written)`` for each capability ``c`` adds."""
    caps = c.security_context.map("capabilities")
    added = caps.strs("add")
    if not added:
        return []
    base = caps.at("add")
    return [((*base, i), cap_name(raw), raw) for i, raw in enumerate(added)]


def adds_capability(c: ContainerView, name: str) -> bool:
    return any(cap == name for _, cap, _ in added_capabilities(c))


def drops_all(c: ContainerView) -> bool:
    """``capabilities.drop`` holds ALL (any case, as containerd and CRI-O read it)."""
    drop = c.security_context.map("capabilities").strs("drop")
    return any(cap_name(item) == "ALL" for item in drop)


def is_privileged(c: ContainerView) -> bool:
    return c.security_context.bool("privileged") is True


def container_ports(c: ContainerView) -> list[tuple[FieldPath, int]]:
    """Each declared ``containerPort`` with its path."""
    out = []
    for port in c.node.maps("ports"):
        number = port.int("containerPort")
        if number is not None:
            out.append((port.at("containerPort"), number))
    return out


def unprivileged_port_start(pod: PodView) -> int | None:
    """The pod's ``net.ipv4.ip_unprivileged_port_start`` sysctl, when set to a number."""
    for sysctl in pod.security_context.maps("sysctls"):
        if sysctl.raw("name") == UNPRIVILEGED_PORT_START:
            value = sysctl.raw("value")
            try:
                return int(str(value).strip())
            except ValueError:
                return None
    return None


def low_ports(c: ContainerView) -> list[tuple[FieldPath, int]]:
    """Declared ports a non-root process of ``c`` may not bind (below 1024, or below the
    pod's ``ip_unprivileged_port_start`` sysctl when set)."""
    start = unprivileged_port_start(c.pod)
    limit = 1024 if start is None else start
    return [(path, n) for path, n in container_ports(c) if 0 < n < limit]


def container_at(pod: PodView, path: FieldPath) -> ContainerView | None:
    """The container whose subtree holds ``path`` (for fixers given a violation)."""
    for c in pod.containers():
        if path[: len(c.path)] == c.path:
            return c
    return None


def volumes_by_name(pod: PodView) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for volume in pod.volumes():
        name = volume.raw("name")
        if isinstance(name, str):
            out[name] = volume
    return out


def claim_template_names(pod: PodView) -> set[str]:
    """Names of a StatefulSet's ``volumeClaimTemplates``: volumes mounted without a
    ``volumes`` entry, each a PersistentVolumeClaim."""
    if pod.kind != "StatefulSet":
        return set()
    names = set()
    for template in pod.obj.root.map("spec").maps("volumeClaimTemplates"):
        name = template.map("metadata").raw("name")
        if isinstance(name, str):
            names.add(name)
    return names


def writable_mounts(c: ContainerView) -> list[Node]:
    """``volumeMounts`` of ``c`` not marked ``readOnly: true``."""
    return [m for m in c.node.maps("volumeMounts") if m.bool("readOnly") is not True]


def positive_int(value: Any) -> int | None:
    """A fix option given as a number or digits, when above 0."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number > 0 else None
    return None


def value_at(pod: PodView, path: FieldPath) -> Any:
    """The value at an object-relative path, None when any part is absent."""
    node: Any = pod.obj.data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def pod_level_if_unset(pod: PodView, path: FieldPath) -> FieldPath:
    """Where a fix writes a pod-or-container field: the pod's securityContext when the
    field is set nowhere (one edit serves every container), else where it was found."""
    if value_at(pod, path) is None and pod.security_context.raw(str(path[-1])) is None:
        return pod.security_context.at(str(path[-1]))
    return path
