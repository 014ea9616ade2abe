"""Blast radius: what an attacker who controls a workload gets, one line per kind of reach.

A pure function of the pod view, the run's cross-resource index and the object's findings
(``blast_radius``), for reports to show beside the findings: host access (privileged
containers, host namespaces, hostPath mounts, the container runtime socket, added
capabilities), the Kubernetes API (what the ``rbac`` family resolves for the pod's service
account, grants shared with other workloads included), Secrets and Key Vault objects the
pod mounts or reads into its environment, credentials written in the manifest (from the
``credentials`` findings), and the Azure identity it can act as.  Lines are worst first;
a kind with no reach says so at ``info``, so an empty line is a checked one.  Values of
Secrets or credentials never appear: names, keys and counts only.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from podwarden.model.index import Index
from podwarden.rules.api import PodView, Severity, Version
from podwarden.rules.hardening._common import added_capabilities, is_privileged, volumes_by_name
from podwarden.rules.hardening.container_runtime_socket import runtime_socket
from podwarden.rules.hardening.writable_host_path import is_system_path
from podwarden.rules.identity._wi import CLIENT_ID, opted_in
from podwarden.rules.pss.non_default_capabilities import DEFAULT_CAPABILITIES
from podwarden.rules.rbac._builtin import NEWEST
from podwarden.rules.rbac._resolve import EVERYTHING, account_of, grants_of, reaches, token_unmounted
from podwarden.rules.vault._spc import DRIVER, client_id, entries

#: kinds of reach, in the order lines of equal severity are shown
KINDS = ("host", "kubernetes-api", "credentials", "secrets", "key-vault", "azure-identity")
POD_IDENTITY_LABEL = "aadpodidbinding"
#: capabilities that are the node's in all but name
HOST_CAPABILITIES = frozenset({"SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "BPF", "DAC_READ_SEARCH"})
LIMIT = 4


class FindingLike(Protocol):
    """What the blast radius reads of a finding (``engine.Finding`` is one)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def severity(self) -> Severity: ...


@dataclass(frozen=True, slots=True)
class Line:
    """One kind of reach: how bad, one sentence, and the items behind it."""

    kind: str
    severity: Severity
    summary: str
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": str(self.severity), "summary": self.summary,
                "details": list(self.details)}


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """A workload's reach, worst first."""

    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def severity(self) -> Severity:
        return max((line.severity for line in self.lines), default=Severity.INFO)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"severity": ..., "reach": [{"kind", "severity", "summary", "details"}]}``."""
        return {"severity": str(self.severity), "reach": [line.as_dict() for line in self.lines]}

    def text(self, indent: str = "  ") -> str:
        """One line per kind: ``critical  host  privileged container "agent"; ...``."""
        return "\n".join(f"{indent}{line.severity!s:<9} {line.kind:<15} {line.summary}" for line in self.lines)

    def html(self) -> str:
        """A ``<table class="blast">`` of the lines, every text escaped (for the HTML report)."""
        rows = "".join(
            f'<tr class="sev-{line.severity}"><td>{line.severity}</td><td>{html.escape(line.kind)}</td>'
            f"<td>{html.escape(line.summary)}</td></tr>" for line in self.lines)
        return f'<table class="blast"><tr><th>severity</th><th>reach</th><th>what</th></tr>{rows}</table>'


def _few(items: list[str]) -> str:
    more = f" and {len(items) - LIMIT} more" if len(items) > LIMIT else ""
    return ", ".join(items[:LIMIT]) + more


# -- host -------------------------------------------------------------------------------


def host_line(pod: PodView) -> Line:
    parts: list[tuple[Severity, str]] = []
    privileged = [c.name for c in pod.containers() if is_privileged(c)]
    if privileged:
        parts.append((Severity.CRITICAL, f"privileged {_few([repr(n) for n in privileged])}: every device "
                      "and kernel capability of the node"))
    shared = [n for key, n in (("hostPID", "PID"), ("hostIPC", "IPC"), ("hostNetwork", "network"))
              if pod.spec.raw(key) is True]
    if shared:
        parts.append((Severity.CRITICAL if "PID" in shared else Severity.HIGH,
                      f"the node's {', '.join(shared)} namespace{'s' if len(shared) > 1 else ''}"))
    volumes = volumes_by_name(pod)
    sockets: list[str] = []
    writable: list[tuple[str, bool]] = []
    read_only: list[str] = []
    for c in pod.containers():
        for mount in c.node.maps("volumeMounts"):
            name = mount.raw("name")
            volume = volumes.get(name) if isinstance(name, str) else None
            if volume is None or not volume.has("hostPath"):
                continue
            path = volume.map("hostPath").raw("path")
            path = path if isinstance(path, str) else ""
            if runtime_socket(path):
                sockets.append(path)
            elif mount.raw("readOnly") is True:
                read_only.append(path)
            else:
                writable.append((path, path.startswith("/") and is_system_path(path)))
    if sockets:
        parts.append((Severity.CRITICAL, f"container runtime socket {_few(sorted(set(sockets)))}"))
    if writable:
        paths = sorted({p for p, _ in writable})
        parts.append((Severity.CRITICAL if any(s for _, s in writable) else Severity.HIGH,
                      f"writable hostPath {_few(paths)}"))
    if read_only:
        parts.append((Severity.MEDIUM, f"read-only hostPath {_few(sorted(set(read_only)))}"))
    caps = sorted({cap for c in pod.containers() for _, cap, _ in added_capabilities(c)
                   if cap not in DEFAULT_CAPABILITIES})
    if caps:
        parts.append((Severity.HIGH if HOST_CAPABILITIES & set(caps) or "ALL" in caps else Severity.MEDIUM,
                      f"added capabilities {_few(caps)}"))
    if not parts:
        return Line("host", Severity.INFO, "none: no privileged container, host namespace, hostPath or added "
                    "capability")
    parts.sort(key=lambda p: -p[0])
    return Line("host", parts[0][0], "; ".join(text for _, text in parts), tuple(text for _, text in parts))


# -- Kubernetes API ---------------------------------------------------------------------


def api_line(pod: PodView, index: Index | None, minor: int) -> Line:
    namespace, name, _ = account_of(pod)
    who = f"as service account {namespace}/{name}"
    if index is None:
        return Line("kubernetes-api", Severity.INFO, f"{who}: unknown (RBAC objects were not read)")
    grants = grants_of(index, namespace, name, minor)
    found = reaches(index, namespace, name, minor, shared=True)
    unknown = [g.via() for g in grants if g.status != "ok"]
    ordered = sorted(found.values(), key=lambda r: (-r.severity, r.hazard.slug))
    everything = found.get(EVERYTHING)
    if everything is not None and everything.cluster_wide:
        ordered = [everything]
    items = [r.describe(limit=2) for r in ordered]
    if unknown:
        items.append(f"unknown: {_few(unknown)} (role not in the input or not modelled)")
    unmounted = token_unmounted(pod, index)
    if not ordered:
        summary = f"{who}: nothing dangerous" + (f"; {items[0]}" if items else "") \
            + ("" if grants else " (no binding in the input names it)")
        return Line("kubernetes-api", Severity.LOW if unknown else Severity.INFO, summary, tuple(items))
    severity = max(r.severity for r in ordered)
    summary = f"{who}: " + "; ".join(items)
    if unmounted:
        summary += f" (token not mounted: {unmounted})"
        severity = Severity.LOW
    return Line("kubernetes-api", severity, summary, tuple(items))


# -- secrets, Key Vault, credentials, Azure ---------------------------------------------


def secret_lines(pod: PodView, index: Index | None) -> list[Line]:
    mounted: list[str] = []
    for volume in pod.volumes():
        name = volume.map("secret").raw("secretName")
        if isinstance(name, str):
            mounted.append(f'volume "{name}"')
        for source in volume.map("projected").maps("sources"):
            projected = source.map("secret").raw("name")
            if isinstance(projected, str):
                mounted.append(f'volume "{projected}"')
    for c in pod.containers():
        for env in c.node.maps("env"):
            ref = env.map("valueFrom").map("secretKeyRef")
            if ref.present:
                mounted.append(f'env {env.raw("name")} from "{ref.raw("name")}" key {ref.raw("key")}')
        for source in c.node.maps("envFrom"):
            ref = source.map("secretRef")
            if ref.present:
                mounted.append(f'every key of "{ref.raw("name")}" as env')
    mounted = list(dict.fromkeys(mounted))
    lines = []
    if mounted:
        lines.append(Line("secrets", Severity.MEDIUM, f"Secrets: {_few(mounted)}", tuple(mounted)))
    vault: list[str] = []
    for volume in pod.volumes():
        csi = volume.map("csi")
        spc = csi.map("volumeAttributes").raw("secretProviderClass")
        if csi.raw("driver") != DRIVER or not isinstance(spc, str):
            continue
        entry = index.lookup("SecretProviderClass", pod.obj, spc) if index is not None else None
        params = entry.obj.root.map("spec").str_map("parameters") if entry is not None else {}
        names = [e.get("objectName", "?") for e in entries(params)]
        where = f'vault "{params.get("keyvaultName", "?")}"' if params else "vault unknown (not in the input)"
        vault.append(f'SecretProviderClass "{spc}": {where}' + (f", objects {_few(names)}" if names else ""))
    if vault:
        lines.append(Line("key-vault", Severity.MEDIUM, f"Key Vault: {'; '.join(vault)}", tuple(vault)))
    return lines


def credential_line(findings: Iterable[FindingLike]) -> Line | None:
    found = [f for f in findings if f.rule_id.startswith("credentials/")]
    if not found:
        return None
    worst = max(f.severity for f in found)
    rules = sorted({f.rule_id for f in found})
    return Line("credentials", worst, f"{len(found)} credential{'s' if len(found) > 1 else ''} written in the "
                f"manifest ({_few(rules)})", tuple(rules))


def azure_line(pod: PodView, index: Index | None) -> Line | None:
    ids: list[str] = []
    if opted_in(pod):
        _, name, _ = account_of(pod)
        entry = index.lookup("ServiceAccount", pod.obj, name) if index is not None else None
        cid = entry.obj.annotations.get(CLIENT_ID, "").strip() if entry is not None else ""
        ids.append(f"workload identity {cid}" if cid else f'workload identity (client id unknown: service account "{name}" '
                   "not in the input)")
    for volume in pod.volumes():
        csi = volume.map("csi")
        spc = csi.map("volumeAttributes").raw("secretProviderClass")
        if csi.raw("driver") == DRIVER and isinstance(spc, str) and index is not None:
            entry = index.lookup("SecretProviderClass", pod.obj, spc)
            cid = client_id(entry.obj.root.map("spec").str_map("parameters")) if entry is not None else ""
            if cid and not any(cid in i for i in ids):
                ids.append(f"{cid} (SecretProviderClass {spc})")
    binding = pod.labels.get(POD_IDENTITY_LABEL)
    if binding:
        ids.append(f'AAD Pod Identity binding "{binding}" (deprecated)')
    if not ids:
        return None
    return Line("azure-identity", Severity.MEDIUM, f"Azure as {_few(ids)}: its Azure role assignments are outside "
                "the cluster (az role assignment list --assignee <client id>)", tuple(ids))


def blast_radius(pod: PodView, index: Index | None, findings: Iterable[FindingLike] = (),
                 version: Version | None = None) -> BlastRadius:
    """The blast radius of one workload; ``findings`` are its object's (for credentials)."""
    minor = version.minor if version is not None else NEWEST
    lines = [host_line(pod), api_line(pod, index, minor), *secret_lines(pod, index)]
    for extra in (credential_line(findings), azure_line(pod, index)):
        if extra is not None:
            lines.append(extra)
    kinds = {line.kind for line in lines}
    for kind, text in (("secrets", "none mounted or read into env"), ("azure-identity", "none")):
        if kind not in kinds:
            lines.append(Line(kind, Severity.INFO, text))
    lines.sort(key=lambda line: (-line.severity, KINDS.index(line.kind)))
    return BlastRadius(tuple(lines))
