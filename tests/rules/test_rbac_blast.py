"""The blast radius: one line per kind of reach, worst first, JSON-able, no secret value."""

from __future__ import annotations

import json
from pathlib import Path

from podwarden.engine import Engine, Selection
from podwarden.load.sources import Source
from podwarden.model.objects import KubeObject
from podwarden.rules.api import Severity
from podwarden.rules.blast import blast_radius
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "rbac-secret-reader" / "invoice-renderer.yaml"

AGENT = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ops
spec:
  template:
    metadata:
      labels:
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: agent
      hostPID: true
      containers:
        - name: agent
          image: agent:1
          securityContext:
            privileged: true
            capabilities:
              add: ["NET_ADMIN", "CHOWN"]
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
          volumeMounts:
            - {name: sock, mountPath: /run/containerd/containerd.sock}
            - {name: logs, mountPath: /var/log, readOnly: true}
            - {name: kv, mountPath: /mnt/kv, readOnly: true}
      volumes:
        - {name: sock, hostPath: {path: /run/containerd/containerd.sock}}
        - {name: logs, hostPath: {path: /var/log}}
        - name: kv
          csi:
            driver: secrets-store.csi.k8s.io
            readOnly: true
            volumeAttributes: {secretProviderClass: ops-kv}
"""
CONTEXT = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: agent
  namespace: ops
  annotations:
    azure.workload.identity/client-id: 3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: ops
stringData:
  password: Tr0ub4dor-and-3-horses
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ops-kv
  namespace: ops
spec:
  provider: azure
  parameters:
    keyvaultName: kv-ops
    clientID: 3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37
    tenantID: 72f988bf-86f1-41af-91ab-2d7cd011db47
    objects: |
      array:
        - |
          objectName: api-key
          objectType: secret
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: agent-view
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects:
  - {kind: ServiceAccount, name: agent, namespace: ops}
"""


def _radius(tmp_path: Path, text: str, context: str = "") -> dict:  # type: ignore[type-arg]
    path = tmp_path / "pod.yaml"
    path.write_text(text)
    extra = tmp_path / "context.yaml"
    extra.write_text(context or "{}\n")
    engine = Engine(Selection(only=frozenset({"rbac"})))
    index = engine.build_index([Source(str(path), True), Source(str(extra), True)], {})
    import yaml

    obj = KubeObject(yaml.safe_load(text))
    radius = blast_radius(obj.pod, index)
    out = radius.as_dict()
    out["text"] = radius.text()
    out["html"] = radius.html()
    return out


def test_every_kind_of_reach_worst_first(tmp_path: Path) -> None:
    out = _radius(tmp_path, AGENT, CONTEXT)
    json.dumps(out)  # JSON-able as it is
    kinds = [line["kind"] for line in out["reach"]]
    severities = [Severity.parse(line["severity"]) for line in out["reach"]]
    assert severities == sorted(severities, reverse=True)
    assert kinds == ["host", "kubernetes-api", "secrets", "key-vault", "azure-identity"]
    host = out["reach"][0]["summary"]
    assert out["severity"] == "critical"
    for part in ('privileged \'agent\'', "PID namespace", "runtime socket /run/containerd/containerd.sock",
                 "read-only hostPath /var/log", "added capabilities NET_ADMIN"):
        assert part in host
    assert "CHOWN" not in host  # a default capability adds nothing
    api = out["reach"][1]
    assert api["severity"] == "critical" and "nodes/proxy" in api["summary"]
    assert 'env DB_PASSWORD from "db" key password' in out["reach"][2]["summary"]
    assert 'vault "kv-ops", objects api-key' in out["reach"][3]["summary"]
    azure = out["reach"][4]["summary"]
    assert "3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37" in azure and "outside the cluster" in azure
    assert azure.count("3f2b8c1e") == 1  # the SecretProviderClass's client id is the same identity
    assert "Tr0ub4dor" not in json.dumps(out)
    assert out["html"].count("<tr") == 6 and "&#x27;agent&#x27;" in out["html"]
    assert out["text"].splitlines()[0].startswith("  critical  host ")


def test_a_quiet_pod_says_none_for_each_kind(tmp_path: Path) -> None:
    quiet = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\nspec:\n  containers:\n    - name: q\n      image: q:1\n"
    out = _radius(tmp_path, quiet)
    assert {line["severity"] for line in out["reach"]} == {"info"}
    assert [line["kind"] for line in out["reach"]] == ["host", "kubernetes-api", "secrets", "azure-identity"]
    assert "no binding in the input names it" in out["reach"][1]["summary"]


def test_example_blast_radius_names_the_binding(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    import yaml

    docs = [d for d in yaml.safe_load_all(text) if d]
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    engine = Engine(Selection(only=frozenset({"rbac"})))
    index = engine.build_index([Source(str(EXAMPLE), True)], {})
    radius = blast_radius(KubeObject(deployment).pod, index)
    top = radius.lines[0]
    assert (top.kind, top.severity) == ("kubernetes-api", Severity.HIGH)
    assert 'read Secrets cluster-wide (get, list, watch on secrets) through ClusterRoleBinding ' \
        '"invoice-renderer-secrets"' in top.summary


def test_unmounted_token_and_unknown_roles(tmp_path: Path) -> None:
    text = AGENT.replace("      hostPID: true\n", "      automountServiceAccountToken: false\n")
    context = CONTEXT + """---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: mystery, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: not-here}
subjects:
  - {kind: ServiceAccount, name: agent}
"""
    api = next(line for line in _radius(tmp_path, text, context)["reach"] if line["kind"] == "kubernetes-api")
    assert api["severity"] == "low"
    assert "token not mounted: automountServiceAccountToken: false on the pod" in api["summary"]
    assert 'unknown: RoleBinding "ops/mystery" (Role "not-here")' in api["summary"]
