"""Fixed hostile inputs: the cases issue 13 reported, and each mutation operator applied
with fixed choices to a manifest that carries every planted credential.  They run in
``make test`` beside the generated examples, so each operator is exercised on every run."""

from __future__ import annotations

import base64
import json
import random

from tests.properties import planted
from tests.properties.strategies import MUTATIONS, Case

GHP = planted.GITHUB_TOKEN.value
KEY = planted.STORAGE_KEY.value
CONN = planted.CONNECTION_STRING
PEM = planted.PEM

BASE = f"""\
# a workload with every planted credential
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
  annotations:
    shop.contoso.com/token: "{GHP}"
spec:
  selector:
    matchLabels: {{app: orders}}
  template:
    metadata:
      labels: {{app: orders}}
    spec:
      containers:
        - name: orders
          image: contoso.azurecr.io/orders:1.0
          args: ["--connection", "{CONN}"]
          ports:
            - containerPort: 8080
          env:
            - name: STORAGE
              value: "{CONN}"
            - name: STORAGE_KEY
              value: {KEY}
            - name: DB_PASSWORD
              value: "{planted.PASSWORD.value}"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: orders-config
  namespace: shop
data:
  {GHP}: enabled
  tls.key: |
{"".join("    " + line + chr(10) for line in PEM.splitlines())}---
apiVersion: v1
kind: Secret
metadata:
  name: orders-secret
  namespace: shop
type: Opaque
data:
  token: {base64.b64encode(GHP.encode()).decode()}
"""


def _pod(extra_container: str = "", spec_extra: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
{spec_extra}  containers:
    - name: app
      image: nginx:1.27
{extra_container}"""


#: the cases issue 13 lists, one file each: (id, file name, bytes)
REPORTED: list[tuple[str, str, bytes]] = [
    ("tag-int-token", "tagged.yaml",
     _pod(f"      env:\n        - name: T\n          value: !!int {GHP}\n").encode()),
    ("tag-float-key", "tagged.yaml",
     _pod(f"      env:\n        - name: K\n          value: !!float {KEY}\n").encode()),
    ("duplicate-credential-key", "dup.yaml",
     f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  {GHP}: a\n  {GHP}: b\n".encode()),
    ("same-credential-args-and-env", "twice.yaml",
     _pod(f'      args: ["--conn", "{CONN}"]\n      env:\n        - name: STORAGE\n          value: "{CONN}"\n'
          "      securityContext: {}\n").encode()),
    ("json-4301-digits", "big.json",
     json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                 "spec": {"containers": [{"name": "a", "image": "nginx"}]}}).replace(
         '"p"}', '"p", "x": ' + "1" * 4301 + "}").encode()),
    ("yaml-4301-digits", "big.yaml", _pod("      ports:\n        - containerPort: " + "9" * 4301 + "\n").encode()),
    ("apiVer-typo", "typo.yaml", b"apiVer: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n"),
    ("merge-key", "merge.yaml",
     _pod("      securityContext: &sc {runAsNonRoot: true}\n    - name: b\n      image: nginx\n"
          "      securityContext:\n        <<: *sc\n").encode()),
    ("container-port-80x", "port.yaml", _pod("      ports:\n        - containerPort: 80x\n").encode()),
    ("capabilities-all-string", "caps.yaml",
     _pod("      securityContext:\n        capabilities: ALL\n").encode()),
    ("baseline-privileged-hostpid", "priv.yaml",
     _pod("      securityContext:\n        privileged: true\n", "  hostPID: true\n").encode()),
    ("empty-file", "empty.yaml", b""),
    ("only-separators", "seps.yaml", b"---\n---\n...\n"),
    ("utf16-bom", "utf16.yaml", b"\xff\xfe" + _pod().encode("utf-16-le")),
    ("not-utf8", "latin1.yaml", _pod().encode() + "# café\n".encode("latin-1")),
    ("crlf-needs-fixes", "crlf.yaml", _pod("      ports:\n        - containerPort: 8080\n").replace("\n", "\r\n").encode()),
    # found by make fuzz
    ("json-mixed-line-ends", "mixed.json",
     b'{\n  "apiVersion": "v1",\r\n  "kind": "Pod",\n  "metadata": {"name": "p"},\n'
     b'  "spec": {"containers": [{"name": "a", "image": "nginx"}]}\n}\n'),
    ("credential-key-in-rewritten-flow-line", "flowkey.yaml",
     f'---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p, annotations: {{"{GHP}": "true"}}}}, '
     f"spec: {{containers: [{{name: a, image: nginx}}]}}}}\n".encode()),
    ("utf16-without-bom", "utf16.yml", _pod().encode("utf-16-le")),
    ("credential-in-adjacent-flow-secret", "adjacent.yaml",
     (f"---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{containers: [{{name: a, image: nginx, "
      f"env: [{{name: TOKEN, value: {GHP}}}]}}]}}}}\n--- {{apiVersion: v1, kind: Secret, metadata: {{name: s}}, "
      f'type: Opaque, stringData: {{key: "{KEY}"}}}}\n').encode()),
    ("utf8-bom-no-final-newline", "bom.yaml", b"\xef\xbb\xbf" + _pod("      args: [a]").encode()),
    ("unterminated-quote-token", "quote.yaml",
     _pod(f'      env:\n        - name: T\n          value: "{GHP}\n').encode()),
    ("token-as-key-broken-flow", "flow.yaml", _pod(f"      env: {{{GHP}: [\n").encode()),
]


def reported_cases() -> list[tuple[str, Case]]:
    out = [(cid, Case(((name, raw),), (f"issue 13: {cid}",))) for cid, name, raw in REPORTED]
    # a failed `helm template` piped in: nothing on standard input
    out.append(("empty-stdin", Case((("stdin.yaml", b""),), ("issue 13: empty-stdin",), stdin=True)))
    return out


def mutated_base_cases(per_operator: int = 2) -> list[tuple[str, Case]]:
    """Each mutation operator applied ``per_operator`` times to BASE, with fixed choices."""
    out: list[tuple[str, Case]] = []
    for name in sorted(MUTATIONS):
        for seed in range(per_operator):
            rng = random.Random(f"{name}/{seed}")
            data, what = MUTATIONS[name](BASE.encode(), lambda lo, hi, rng=rng: rng.randint(lo, max(lo, hi)))
            case = Case((("orders.yaml", data), ("clean.yaml", _pod().encode())), (f"BASE mutated: {what}",),
                        explicit=bool(seed % 2))
            out.append((f"{name}-{seed}", case))
    return out
