"""Every manifest of the shared real-world corpus loads without an input error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from podwarden.engine import Engine, Selection
from podwarden.errors import InputError
from tests.conftest import SHARED


def test_every_corpus_file_loads() -> None:
    engine = Engine(Selection(only=frozenset({"pss/privileged"})))
    result = engine.run([str(SHARED / "corpus")])
    assert result.files == 8381
    # the only errors are in files Kubernetes rejects too: keys written twice in one mapping
    # (kubectl: "mapping key ... already defined"), and a value of a type the API refuses
    rejected = {
        # argo-cd's deliberately invalid metadata: a boolean where annotations need strings
        "argo-cd/reposerver/repository/testdata/invalid-metadata/bad.yaml",
        # argo-cd's crd-validation test data: containerPort "80", a string for an int32
        "argo-cd/test/e2e/testdata/crd-validation/deployment.yaml",
        # an env value written as a boolean (value: true): "cannot unmarshal bool into ... string"
        "ingress-nginx/docs/examples/auth/oauth-external-auth/vouch-proxy.yaml",
        # a Secret's stringData written as a number (githubAppID: 1): "cannot unmarshal number
        # into Go struct field Secret.stringData of type string"
        "argo-cd/docs/operator-manual/argocd-repo-creds.yaml",
        # a Secret's data written in clear or as a placeholder: "illegal base64 data at input byte"
        "argo-cd/docs/operator-manual/argocd-secret.yaml",
        "ingress-nginx/docs/examples/customization/ssl-dh-param/ssl-dh-param.yaml",
        # containerPort placeholders (PORT, ${VAR:-9002}) substituted by a script before apply
        "kubernetes-engine-samples/networking/sctp/sctp-deployment.yaml",
        "kubernetes-engine-samples/ai-ml/infw-gw/examples/getting-started/inference-pool-variables.yaml",
    }
    unexpected = [str(e) for e in result.errors
                  if e.file.split("corpus/", 1)[1] not in rejected and "duplicate key" not in e.message]
    assert unexpected == []
    assert {e.file.split("corpus/", 1)[1] for e in result.errors if "duplicate key" not in e.message} == rejected
    assert 1 <= len([e for e in result.errors if "duplicate key" in e.message]) <= 12
    assert len(result.objects) >= 15380  # 15,398 less those in the files refused above
    # UTF-16 and YAML 1.1 '=' files are among them
    assert not result.skipped


def _same(pyyaml: object, ours: object) -> bool:
    """Equal, where timestamps and binary (kept as their text, as Kubernetes does) match any
    string, and a whole float matches its integer (JSON, which the API reads, writes 100.0
    as 100)."""
    import datetime

    if isinstance(pyyaml, datetime.date | bytes):
        return isinstance(ours, str)
    if isinstance(pyyaml, float) and pyyaml.is_integer() and type(ours) is int:
        return pyyaml == ours
    if isinstance(pyyaml, dict) and isinstance(ours, dict):
        return len(pyyaml) == len(ours) and all(
            _same(v, ours.get(k, ours.get(str(k)))) for k, v in pyyaml.items())
    if isinstance(pyyaml, list) and isinstance(ours, list):
        return len(pyyaml) == len(ours) and all(_same(a, b) for a, b in zip(pyyaml, ours, strict=True))
    return type(pyyaml) is type(ours) and (pyyaml == ours or pyyaml != pyyaml)


def test_loader_agrees_with_pyyaml_on_the_corpus() -> None:
    import os

    import yaml

    from podwarden.load import yaml as yamlload

    class Reference(yaml.CSafeLoader):  # stock resolver and constructor
        pass

    Reference.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]
    checked = 0
    for root, _, files in os.walk(SHARED / "corpus"):
        for name in files:
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = os.path.join(root, name)
            text = yamlload.decode(Path(path).read_bytes(), path)
            try:
                expected = [d for d in yaml.load_all(text, Loader=Reference)
                            if d is not None]
            except yaml.YAMLError:
                continue
            try:
                docs = yamlload.parse(text, path)
            except InputError as exc:  # PyYAML lets the last duplicate win; Kubernetes refuses
                assert "duplicate key" in exc.message, path
                continue
            # a large List comes item by item: compare objects
            got = [o for d in docs for o in ([d.data] if d.prefix else _objects([d.data]))]
            assert _same(list(_objects(expected)), got), path
            checked += 1
    assert checked > 8000


def _objects(docs: list[Any]) -> Iterator[Any]:
    """Documents with the items of every ``*List`` in their place."""
    for d in docs:
        if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
            yield from d["items"]
        else:
            yield d
