"""Everything podwarden writes into a cluster, against the API server's own schemas.

- deploy/manifests, for every Kubernetes minor podwarden supports (``kube.SUPPORTED``);
- every object ``podwarden fix`` writes (safe and unsafe hardening with explicit IDs) for
  the rule fixtures, examples, fix cases and real-world corpus projects;
- every object ``fix --move-secrets`` writes or changes: the SecretProviderClass (against
  the Secrets Store CSI driver's CRD), the ServiceAccount and the workloads;
- every object that results from applying ``serve``'s JSONPatches (security defaults, and
  workload identity injection) to ../shared/corpus workloads and the pods they create.

For fix and serve the claim is: an object the API server accepts before is accepted after
(the corpus holds objects that were never valid, e.g. templates with placeholders), and
enough were valid for the claim to mean something.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Selection
from podwarden.fix.apply import Fixer
from podwarden.fix.jsonpatch import apply_patch, copy_data
from podwarden.model.podspec import POD_TEMPLATE_PATHS
from podwarden.webhook import wi
from podwarden.webhook.decide import Evaluator
from podwarden.webhook.policy import parse_config
from tests.conftest import ROOT, SHARED
from tests.schemas import kube
from tests.webhook.conftest import admission

CORPUS = SHARED / "corpus"
VAULT = "kv-shop-prod"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37"
WORKLOAD_KINDS = tuple(k for k in POD_TEMPLATE_PATHS if k != "PodTemplate")
#: a line `kind: <one of them>` (a cheap look before parsing)
KIND_LINE = re.compile(r"^\s*kind:\s*['\"]?(" + "|".join(WORKLOAD_KINDS) + r")['\"]?\s*$", re.MULTILINE)
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not available")


def summary(failures: list[str]) -> str:
    return f"{len(failures)} rejected:\n" + "\n".join(failures[:20])


# -- the validators themselves ----------------------------------------------------------------


def _pod(**container: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "app"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", **container}]}}


BROKEN: dict[str, dict[str, Any]] = {
    "unknown field": _pod(securityContex={"runAsNonRoot": True}),
    "wrong type": _pod(securityContext={"runAsUser": "root"}),
    "a map where a list goes": _pod(env={"LOG_LEVEL": "debug"}),
    "missing required name": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                              "spec": {"containers": [{"image": "nginx"}]}},
    "bad nested list": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                        "spec": {"selector": {"matchLabels": {"app": "web"}},
                                 "template": {"spec": {"containers": {"name": "app"}}}}},
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_schemas_reject_what_the_api_server_rejects(name: str) -> None:
    for version in kube.BOUNDS:
        assert kube.problems(BROKEN[name], version), (name, version)
        # and kubernetes-validate's own entry point agrees
        assert kube.upstream_problem(BROKEN[name], version) is not None, (name, version)


def test_the_cached_validators_agree_with_kubernetes_validate() -> None:
    objects = [*BROKEN.values(), _pod(), _pod(securityContext={"runAsNonRoot": True, "runAsUser": 65532}),
               *kube.documents((ROOT / "deploy" / "manifests" / "podwarden.yaml").read_text())]
    compared = 0
    for obj in objects:
        if obj["apiVersion"].startswith("cert-manager.io/"):
            continue  # a CRD: not in kubernetes-validate
        for version in kube.BOUNDS:
            assert (kube.upstream_problem(obj, version) is None) == kube.valid(obj, version), (obj["kind"], version)
            compared += 1
    assert compared >= 2 * 15


def test_fields_newer_than_a_version_are_rejected_by_its_schema() -> None:
    # deploy/ uses the lifecycle sleep action: alpha in v1.29, so v1.28's schema lacks it
    # (kubernetes-validate ships v1.28 too): the schemas differ by version, as they should
    deployment, = [d for d in kube.documents((ROOT / "deploy" / "manifests" / "podwarden.yaml").read_text())
                   if d["kind"] == "Deployment"]
    assert any("sleep" in p for p in kube.problems(deployment, "1.28"))
    assert kube.problems(deployment, kube.SUPPORTED[0]) == []


SPC = {"apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
       "metadata": {"name": "kv", "namespace": "shop"},
       "spec": {"provider": "azure", "parameters": {"keyvaultName": VAULT, "tenantID": TENANT, "clientID": CLIENT,
                                                    "objects": "array:\n  - |\n    objectName: db\n    objectType: secret\n"}}}


def test_the_secret_provider_class_crd_is_checked() -> None:
    assert kube.problems(SPC, "1.30") == []
    unquoted = json.loads(json.dumps(SPC))
    unquoted["spec"]["parameters"]["usePodIdentity"] = False  # must be the string "false"
    assert kube.problems(unquoted, "1.30")
    misspelt = json.loads(json.dumps(SPC))
    misspelt["spec"]["parameter"] = misspelt["spec"].pop("parameters")
    assert kube.problems(misspelt, "1.30")
    bad_meta = json.loads(json.dumps(SPC))
    bad_meta["metadata"]["labels"] = {"a": 1}
    assert kube.problems(bad_meta, "1.30")
    with pytest.raises(kube.NoSchema):
        kube.validator("1.30", "secrets-store.csi.x-k8s.io/v2", "SecretProviderClass")


# -- deploy/ --------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", kube.SUPPORTED)
def test_deploy_manifests_are_accepted(version: str) -> None:
    docs = list(kube.documents((ROOT / "deploy" / "manifests" / "podwarden.yaml").read_text()))
    assert {d["kind"] for d in docs} >= {"Deployment", "ValidatingWebhookConfiguration", "Certificate", "Issuer"}
    failures = [f"{d['kind']}/{d['metadata']['name']}: {p}" for d in docs for p in kube.problems(d, version)]
    assert not failures, summary(failures)


def test_the_charts_deployment_is_accepted() -> None:
    from tests.webhook.test_deploy import _chart_deployment

    for version in kube.SUPPORTED:
        assert kube.problems(_chart_deployment(), version) == [], version


# -- podwarden fix ----------------------------------------------------------------------------------


def _corpus_files(projects: tuple[str, ...]) -> list[Path]:
    return [p for project in projects for p in sorted((CORPUS / project).rglob("*.y*ml"))
            if p.is_file() and KIND_LINE.search(p.read_text(errors="replace"))]


def _fix_inputs() -> list[Path]:
    files = sorted((ROOT / "tests" / "rules").rglob("*.yaml")) + sorted((ROOT / "examples").rglob("*.yaml"))
    files += [p for p in sorted((ROOT / "tests" / "fix" / "cases").rglob("*.yaml")) if ".fixed." not in p.name]
    if CORPUS.is_dir():  # real-world application manifests, not policy test fixtures
        files += _corpus_files(("kube-prometheus", "microservices-demo", "ingress-nginx", "kubernetes-examples",
                                "kubernetes-engine-samples"))
    return files


def _objects_of(text: str) -> list[Any] | None:
    try:
        return list(kube.documents(text))
    except yaml.YAMLError:
        return None


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe-with-ids"])
def test_fix_writes_only_what_the_api_server_accepts(unsafe: bool) -> None:
    values = {"run_as_user": 10001, "run_as_group": 10001, "fs_group": 10001} if unsafe else {}
    fixer = Fixer(Selection(), unsafe=unsafe, values=values)
    inputs = _fix_inputs()
    changed = checked = 0
    failures: list[str] = []
    for ff in fixer.iter_files([str(p) for p in inputs]):
        if not ff.changed or ff.errors:
            continue
        assert ff.fixed_text is not None
        before, after = _objects_of(ff.text), _objects_of(ff.fixed_text)
        if before is None:
            continue  # podwarden's loader reads some files PyYAML refuses; fix keeps them parsable
        assert after is not None and len(after) == len(before), ff.path
        changed += 1
        for old, new in zip(before, after, strict=True):
            if old == new:
                continue
            for version in kube.BOUNDS:
                if not kube.has_schema(old, version):
                    continue  # a CRD's object, or an API version these minors no longer serve
                if kube.valid(new, version):
                    checked += 1
                elif kube.valid(old, version):
                    failures.append(f"{ff.path} {old['kind']}/{old.get('metadata', {}).get('name')} v{version}: "
                                    f"{kube.problems(new, version)[:3]}")
    assert not failures, summary(failures)
    # 718 files and 1,379 object-versions with the corpus, when this was written
    assert changed >= (500 if CORPUS.is_dir() else 100) and checked >= 2 * (500 if CORPUS.is_dir() else 100), \
        (changed, checked)


# -- podwarden fix --move-secrets -----------------------------------------------------------------------


def _token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def _plant(path: Path, after: str, indent: str, names: list[str], rng: random.Random) -> None:
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if after in line) + 1
    new = [f"{indent}- name: {name}\n{indent}  value: \"{_token(rng)}\"\n" for name in names]
    path.write_text("".join(lines[:at] + new + lines[at:]))


def _move_secrets_inputs(folder: Path) -> Iterator[Path]:
    """Folders with credentials in env values: the example app, one with its own
    SecretProviderClass already (extended), and corpus workloads with planted tokens."""
    web = folder / "web"
    web.mkdir(parents=True)
    # copies with this process's default mode: ../shared is read-only in CI, and fix
    # refuses files whose mode forbids writing
    shutil.copyfile(ROOT / "examples" / "web-deployment.yaml", web / "web-deployment.yaml")
    yield web
    app = folder / "keyvault-app"
    shutil.copytree(ROOT / "examples" / "workload-identity-keyvault", app, copy_function=shutil.copyfile)
    deployment = app / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "          volumeMounts:\n",
        f"          env:\n            - name: GITHUB_TOKEN\n              value: {_token(random.Random(7))}\n"
        "          volumeMounts:\n", 1))
    yield app
    if CORPUS.is_dir():
        for name, after, indent in (
            ("microservices-demo/kubernetes-manifests/cartservice.yaml", 'value: "redis-cart:6379"', "        "),
            ("kube-prometheus/manifests/prometheusOperator-deployment.yaml", 'value: "30"', "        "),
        ):
            target = folder / Path(name).stem
            target.mkdir()
            shutil.copyfile(CORPUS / name, target / Path(name).name)
            _plant(target / Path(name).name, after, indent, ["GITHUB_TOKEN", "GH_TOKEN"], random.Random(name))
            yield target


@pytest.mark.parametrize("as_env", [False, True], ids=["files", "as-env"])
def test_move_secrets_writes_what_the_api_server_accepts(tmp_path: Path, as_env: bool) -> None:
    kinds: Counter[str] = Counter()
    failures: list[str] = []
    for n, folder in enumerate(_move_secrets_inputs(tmp_path / "in")):
        before = {p: p.read_text() for p in folder.rglob("*.yaml")}
        result = CliRunner().invoke(main, [
            "fix", "--move-secrets", "--keyvault", VAULT, "--tenant-id", TENANT, "--client-id", CLIENT,
            *(["--as-env"] if as_env else []), "--write", "--secrets-dir", str(tmp_path / f"values-{n}"),
            str(folder)])
        assert result.exit_code == 0, result.stderr
        changed = [p for p, text in before.items() if p.read_text() != text]
        assert changed, folder
        for path in changed:
            old_docs = list(kube.documents(before[path]))
            for i, obj in enumerate(kube.documents(path.read_text())):
                if i < len(old_docs) and obj == old_docs[i]:
                    continue
                kinds[obj["kind"]] += 1
                failures += [f"{path.name} {obj['kind']} v{v}: {p}" for v in kube.SUPPORTED for p in kube.problems(obj, v)]
    assert not failures, summary(failures)
    # new and changed: a SecretProviderClass per folder, ServiceAccounts, the workloads
    assert kinds["SecretProviderClass"] >= 2 and kinds["ServiceAccount"] >= 2 and kinds["Deployment"] >= 3, kinds


# -- podwarden serve: JSONPatches on the corpus -------------------------------------------------------


def _sampled(path: Path) -> bool:
    """A third of the corpus files, the same third every run (a stable hash of the path)."""
    return hashlib.sha256(str(path.relative_to(CORPUS)).encode()).digest()[0] % 3 == 0


def _corpus_workloads() -> list[dict[str, Any]]:
    """Distinct Pods and workloads of the sampled corpus files (CSafeLoader, only the
    documents that name such a kind: the corpus also holds megabytes of CRDs)."""
    separator = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS.rglob("*.y*ml")):
        if not (path.is_file() and _sampled(path)):
            continue
        text = path.read_text(errors="replace")
        if not KIND_LINE.search(text):
            continue
        for part in separator.split(text):
            if not KIND_LINE.search(part):
                continue
            try:
                obj = yaml.load(part, Loader=kube.SAFE_LOADER)
                key = json.dumps(obj, sort_keys=True)
            except (yaml.YAMLError, TypeError, ValueError):
                continue
            if (isinstance(obj, dict) and obj.get("kind") in WORKLOAD_KINDS and isinstance(obj.get("apiVersion"), str)
                    and isinstance(obj.get("metadata"), dict) and isinstance(obj.get("spec"), dict)):
                found.setdefault(key, obj)
    return list(found.values())


def _pod_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The Pod a workload's controller creates (what the webhook sees most)."""
    if obj["kind"] == "Pod":
        return copy_data(obj)  # type: ignore[no-any-return]
    template: Any = obj
    for part in POD_TEMPLATE_PATHS[obj["kind"]]:
        template = template.get(part) if isinstance(template, dict) else None
    if not isinstance(template, dict) or not isinstance(template.get("spec"), dict):
        return None
    metadata = copy_data(template.get("metadata") or {})
    metadata["name"] = f"{obj['metadata'].get('name', 'pod')}-x7k2p"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": copy_data(template["spec"])}


@needs_corpus
def test_webhook_patches_give_objects_the_api_server_accepts() -> None:
    evaluator = Evaluator(parse_config({"defaults": {"mutate": "true", "enforce": "restricted"}}),
                          wi_settings=wi.Settings(tenant_id=TENANT))
    policy = evaluator.config.resolve("app", None)
    account = {"azure.workload.identity/client-id": CLIENT}
    patched = accepted = injected = 0
    failures: list[str] = []
    for obj in _corpus_workloads():
        requests = [obj]
        pod = _pod_of(obj)
        if pod is not None and obj["kind"] != "Pod":
            requests.append(pod)
        if pod is not None:  # and as a pod that asks for workload identity
            labelled = copy_data(pod)
            if not isinstance(labelled["metadata"].get("labels"), dict):
                labelled["metadata"]["labels"] = {}
            labelled["metadata"]["labels"]["azure.workload.identity/use"] = "true"
            requests.append(labelled)
        for sent in requests:
            decision = evaluator.mutate(admission(sent, namespace="app")["request"], policy, account)
            if not decision.patch:
                continue
            patched += 1
            injected += any(op["path"].endswith("/env") or "AZURE_" in json.dumps(op.get("value"))
                            for op in decision.patch)
            result = apply_patch(sent, decision.patch)
            for version in kube.BOUNDS:
                if not kube.has_schema(sent, version):
                    continue  # e.g. extensions/v1beta1: no API server of these versions takes it
                if kube.valid(result, version):
                    accepted += 1
                elif kube.valid(sent, version):
                    name = sent["metadata"].get("name")
                    failures.append(f"{sent['kind']}/{name} v{version}: {kube.problems(result, version)[:3]}")
    assert not failures, summary(failures)
    # 5,122 patched requests, 10,124 accepted object-versions, 2,055 injections, when this was written
    assert patched >= 4000 and accepted >= 2 * 3800 and injected >= 1500, (patched, accepted, injected)
