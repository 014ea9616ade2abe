"""``podwarden fix --move-secrets`` end to end through the command line.

Credentials planted in env values of the bundled example and of real corpus manifests
move to Key Vault: the generated SecretProviderClass, ServiceAccount and pod wiring, the
values directory (modes, upload script), no value in any output, ``check`` afterwards,
idempotence, ``--as-env`` and the option errors.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import stat
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT.parent / "shared" / "corpus"

VAULT = "kv-shop-prod"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37"
IDS = ["--keyvault", VAULT, "--tenant-id", TENANT, "--client-id", CLIENT]
DB_PASSWORD = "Tr0ub4dor&3-kx9Q!vR2"  # what examples/web-deployment.yaml holds


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def move(*args: str) -> tuple[int, str, str]:
    return run("fix", "--move-secrets", *IDS, *args)


def docs(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def of_kind(path: Path, kind: str) -> list[dict[str, Any]]:
    return [d for d in docs(path) if d.get("kind") == kind]


def findings(*paths: Path) -> list[dict[str, Any]]:
    code, out, _ = run("check", "--only", "credentials,identity,vault", "-o", "json", *map(str, paths))
    assert code in (0, 1)
    return list(json.loads(out)["findings"])


def objects_of(spc: dict[str, Any]) -> list[dict[str, Any]]:
    return [yaml.safe_load(entry) for entry in yaml.safe_load(spc["spec"]["parameters"]["objects"])["array"]]


def assert_private(folder: Path, values: list[str]) -> None:
    """0700 directory, 0600 value files holding exactly the values, a 0700 script reading them."""
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    script = folder / "upload.sh"
    assert stat.S_IMODE(script.stat().st_mode) == 0o700
    files = sorted(p for p in folder.iterdir() if p.name != "upload.sh")
    assert len(files) == len(values)
    assert sorted(p.read_text() for p in files) == sorted(values)
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    commands = [line for line in script.read_text().splitlines() if line.startswith("az ")]
    assert len(commands) == len(files)
    for line, p in zip(commands, files, strict=True):
        assert line.startswith(f"az keyvault secret set --vault-name {VAULT} --name {p.name} ")
        assert f"--file {p}" in line
    for value in values:
        assert value not in script.read_text()


# -- the bundled example --------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    shutil.copy(EXAMPLES / "web-deployment.yaml", folder)
    return folder / "web-deployment.yaml"


def test_web_deployment_moves_its_password_to_files(web: Path, tmp_path: Path) -> None:
    original = web.read_text()
    assert DB_PASSWORD in original
    secrets = tmp_path / "secrets"

    code, out, err = move("--secrets-dir", str(secrets), str(web.parent))
    assert code == 1  # dry run with something to change
    assert "+kind: SecretProviderClass" in out and "DB_PASSWORD_FILE" in out
    assert web.read_text() == original and not secrets.exists()  # a dry run writes nothing
    assert DB_PASSWORD not in out + err

    code, out, err = move("--write", "--secrets-dir", str(secrets), str(web.parent))
    assert code == 0, err
    assert DB_PASSWORD not in out + err + web.read_text()
    assert str(secrets) in err and "DELETE" in err
    assert_private(secrets, [DB_PASSWORD])

    text = web.read_text()
    # every byte kept: the original text is still there, only the pod lines are new
    kept = [line for line in original.splitlines() if DB_PASSWORD not in line and "DB_PASSWORD" not in line]
    assert all(line in text.splitlines() for line in kept)
    assert text.startswith(original.split("spec:")[0])  # header comment and metadata untouched
    assert docs(web)[1] == yaml.safe_load(original.split("---\n")[1])  # the Service

    deployment, = of_kind(web, "Deployment")
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert pod["spec"]["serviceAccountName"] == "storefront"
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert "DB_PASSWORD" not in env
    file_path = env["DB_PASSWORD_FILE"]["value"]
    mount, = container["volumeMounts"]
    assert mount["readOnly"] is True and file_path.startswith(mount["mountPath"] + "/")
    volume, = [v for v in pod["spec"]["volumes"] if v["name"] == mount["name"]]
    assert volume["csi"]["driver"] == "secrets-store.csi.k8s.io" and volume["csi"]["readOnly"] is True

    spc, = of_kind(web, "SecretProviderClass")
    assert spc["apiVersion"] == "secrets-store.csi.x-k8s.io/v1"
    assert spc["metadata"] == {"name": volume["csi"]["volumeAttributes"]["secretProviderClass"], "namespace": "shop"}
    params = spc["spec"]["parameters"]
    assert spc["spec"]["provider"] == "azure" and "secretObjects" not in spc["spec"]
    assert (params["keyvaultName"], params["tenantID"], params["clientID"]) == (VAULT, TENANT, CLIENT)
    obj, = objects_of(spc)
    assert obj == {"objectName": file_path.rsplit("/", 1)[1], "objectType": "secret"}
    assert (secrets / obj["objectName"]).read_text() == DB_PASSWORD

    account, = of_kind(web, "ServiceAccount")
    assert account["metadata"]["name"] == "storefront" and account["metadata"]["namespace"] == "shop"
    assert account["metadata"]["annotations"] == {
        "azure.workload.identity/client-id": CLIENT, "azure.workload.identity/tenant-id": TENANT}

    assert findings(web) == []

    # idempotent: nothing left to move, nothing changes, no new directory
    after = web.read_text()
    code, out, err = move("--write", "--secrets-dir", str(tmp_path / "again"), str(web))
    assert code == 0 and web.read_text() == after and not (tmp_path / "again").exists()
    assert "moved 0 credential(s)" in err
    code, out, _ = move(str(web))
    assert code == 0 and out == ""


def test_default_values_directory_is_fresh_and_private(web: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    code, out, err = move("--write", str(web))
    assert code == 0, err
    created, = scratch.iterdir()
    assert created.name.startswith("podwarden-secrets-") and str(created) in err
    assert_private(created, [DB_PASSWORD])
    assert DB_PASSWORD not in out + err


def test_as_env_reads_a_synced_secret_and_says_so(web: Path, tmp_path: Path) -> None:
    code, out, err = move("--as-env", "--write", "--secrets-dir", str(tmp_path / "s"), str(web))
    assert code == 0, err
    assert "etcd" in err and "vault/secret-sync" in err
    assert DB_PASSWORD not in out + err + web.read_text()
    deployment, = of_kind(web, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    ref = env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert "value" not in env["DB_PASSWORD"]
    spc, = of_kind(web, "SecretProviderClass")
    synced, = spc["spec"]["secretObjects"]
    assert synced["secretName"] == ref["name"] and synced["type"] == "Opaque"
    assert synced["data"] == [{"objectName": ref["key"], "key": ref["key"]}]
    assert [o["objectName"] for o in objects_of(spc)] == [ref["key"]]
    assert container["volumeMounts"][0]["readOnly"] is True  # the sync needs the mount
    # the only finding left is the sync itself, the weaker form chosen on purpose
    assert [f["rule"] for f in findings(web)] == ["vault/secret-sync"]
    before = web.read_text()
    assert move("--as-env", "--write", "--secrets-dir", str(tmp_path / "t"), str(web))[0] == 0
    assert web.read_text() == before


# -- real manifests with planted credentials ----------------------------------------------------


def _github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def _storage_connection_string(rng: random.Random) -> str:
    key = base64.b64encode(rng.randbytes(64)).decode()
    return (f"DefaultEndpointsProtocol=https;AccountName=shopdata{rng.randrange(100)};"
            f"AccountKey={key};EndpointSuffix=core.windows.net")


def _plant(path: Path, after: str, indent: str, pairs: list[tuple[str, str]]) -> None:
    """Insert env entries (``- name:`` at ``indent``) after the line containing ``after``."""
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if after in line) + 1
    new = [f"{indent}- name: {name}\n{indent}  value: \"{value}\"\n" for name, value in pairs]
    path.write_text("".join(lines[:at] + new + lines[at:]))


# (corpus file, line after which to plant, indentation of `- name:`, env names)
CORPUS_CASES = [
    ("kube-prometheus/manifests/prometheusOperator-deployment.yaml", 'value: "30"', "        ",
     ["GITHUB_TOKEN"]),
    ("argo-cd/gitops-engine/agent/manifests/install.yaml", "value: https://github.com/argoproj", "        ",
     ["AZURE_STORAGE_CONNECTION_STRING", "GIT_TOKEN"]),
    ("microservices-demo/kubernetes-manifests/cartservice.yaml", 'value: "redis-cart:6379"', "        ",
     ["STORAGE_CONNECTION", "GH_TOKEN"]),
]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize(("name", "after", "indent", "variables"), CORPUS_CASES,
                         ids=[c[0].split("/")[-1] for c in CORPUS_CASES])
@pytest.mark.parametrize("as_env", [False, True], ids=["files", "as-env"])
def test_corpus_files_with_planted_credentials(tmp_path: Path, name: str, after: str, indent: str,
                                               variables: list[str], as_env: bool) -> None:
    rng = random.Random(name)
    folder = tmp_path / "m"
    folder.mkdir()
    path = folder / Path(name).name
    shutil.copy(CORPUS / name, path)
    path.chmod(0o644)  # the corpus is read-only, and fix refuses read-only files
    original_docs = docs(path)
    values = [(_storage_connection_string(rng) if "CONNECTION" in var else _github_token(rng))
              for var in variables]
    _plant(path, after, indent, list(zip(variables, values, strict=True)))
    planted = path.read_text()
    before = findings(path)
    assert sum(f["rule"].startswith("credentials/") for f in before) >= len(values)

    secrets = tmp_path / "secrets"
    extra = ["--as-env"] if as_env else []
    code, out, err = move(*extra, "--secrets-dir", str(secrets), str(folder))
    assert code == 1 and path.read_text() == planted
    code2, out2, err2 = move(*extra, "--write", "--secrets-dir", str(secrets), str(folder))
    assert code2 == 0, err2
    for value in values:
        assert value not in out + err + out2 + err2 + path.read_text()
    assert_private(secrets, values)

    # only the pod, its ServiceAccount and the new documents changed
    after_docs = docs(path)
    new = after_docs[len(original_docs):]
    assert {d["kind"] for d in new} <= {"ServiceAccount", "SecretProviderClass"}
    assert sum(d["kind"] == "SecretProviderClass" for d in new) == 1
    for old, now in zip(original_docs, after_docs, strict=False):
        if old.get("kind") not in ("Deployment", "ServiceAccount"):
            assert old == now
    # the moved objects and nothing else in the SecretProviderClass
    spc, = of_kind(path, "SecretProviderClass")
    names = sorted(o["objectName"] for o in objects_of(spc))
    assert sorted(p.name for p in secrets.iterdir() if p.name != "upload.sh") == names

    left = findings(path)
    assert not [f for f in left if f["rule"].startswith("credentials/")]
    old_keys = {(f["rule"], json.dumps(f["object"], sort_keys=True)) for f in before}
    new_findings = [f["rule"] for f in left if (f["rule"], json.dumps(f["object"], sort_keys=True)) not in old_keys]
    assert new_findings == (["vault/secret-sync"] if as_env else [])

    # idempotent
    moved = path.read_text()
    code3, out3, _ = move(*extra, "--write", "--secrets-dir", str(tmp_path / "again"), str(folder))
    assert code3 == 0 and path.read_text() == moved and not (tmp_path / "again").exists()


# -- an application that already has its SecretProviderClass ------------------------------------


def test_existing_secret_provider_class_is_extended(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(EXAMPLES / "workload-identity-keyvault", app)
    deployment = app / "deployment.yaml"
    token = _github_token(random.Random(7))
    text = deployment.read_text()
    deployment.write_text(text.replace(
        "          volumeMounts:\n",
        f"          env:\n            - name: GITHUB_TOKEN\n              value: {token}\n          volumeMounts:\n", 1))
    spc_file = app / "secretproviderclass.yaml"
    spc_before = spc_file.read_text()
    sa_before = (app / "serviceaccount.yaml").read_text()
    assert findings(app)

    ids = ["--keyvault", "kv-payments-prod", "--tenant-id", TENANT, "--client-id", CLIENT.upper()]
    code, out, err = run("fix", "--move-secrets", *ids, "--write", "--secrets-dir", str(tmp_path / "s"), str(app))
    assert code == 0, err
    assert token not in out + err
    assert (app / "serviceaccount.yaml").read_text() == sa_before  # already annotated
    assert len(docs(deployment)) == 1  # nothing appended: the class exists elsewhere
    new_text = spc_file.read_text()
    assert new_text.startswith(spc_before.split("    objects: |")[0])  # only objects changed
    spc, = docs(spc_file)
    assert [o["objectName"] for o in objects_of(spc)] == [
        "db-connection-string", "payments-signing-key", "payments-api-api-github-token"]
    pod = docs(deployment)[0]["spec"]["template"]["spec"]
    env, = pod["containers"][0]["env"]
    assert env == {"name": "GITHUB_TOKEN_FILE", "value": "/mnt/secrets/payments-api-api-github-token"}
    assert len(pod["volumes"]) == 2 and len(pod["containers"][0]["volumeMounts"]) == 2  # reused
    assert findings(app) == []


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["--keyvault", "kv"],                      # too short
    ["--keyvault", "1kv-shop"],                # must start with a letter
    ["--keyvault", "kv_shop"],                 # underscore
    ["--keyvault", "k" * 25],                  # too long
    ["--keyvault", "https://kv-shop.vault.azure.net"],
    ["--tenant-id", "not-a-guid"],
    ["--client-id", "3f2b8c1e7d4a4e9ba2c65b1d0e8f9a37"],
    ["--service-account", "Bad_Name"],
])
def test_bad_options_are_usage_errors(web: Path, args: list[str]) -> None:
    before = web.read_text()
    options = dict(zip(IDS[::2], IDS[1::2], strict=True))
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for pair in options.items() for x in pair]
    code, out, err = run("fix", "--move-secrets", *flat, "--write", str(web))
    assert code == 2 and args[0] in err
    assert web.read_text() == before


def test_missing_and_misplaced_options(web: Path, tmp_path: Path) -> None:
    assert run("fix", "--move-secrets", "--keyvault", VAULT, "--tenant-id", TENANT, str(web))[0] == 2
    code, _, err = run("fix", "--keyvault", VAULT, str(web))
    assert code == 2 and "only with --move-secrets" in err
    code, _, err = move("--unsafe", str(web))
    assert code == 2
    existing = tmp_path / "exists"
    existing.mkdir()
    code, _, err = move("--write", "--secrets-dir", str(existing), str(web))
    assert code == 2 and "already exists" in err
    code, _, err = move("--write", "--secrets-dir", str(web.parent / "secrets"), str(web.parent))
    assert code == 2 and "inside" in err
    assert DB_PASSWORD in web.read_text() and not (web.parent / "secrets").exists()


def test_service_account_with_another_client_id_is_not_touched(web: Path, tmp_path: Path) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    with web.open("a") as handle:
        handle.write("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: storefront\n"
                     f"  namespace: shop\n  annotations:\n    azure.workload.identity/client-id: \"{other}\"\n")
    before = web.read_text()
    code, out, err = move("--write", "--secrets-dir", str(tmp_path / "s"), str(web))
    assert code == 2 and "another azure.workload.identity/client-id" in err
    assert web.read_text() == before and DB_PASSWORD not in out + err
    assert not (tmp_path / "s").exists()


def test_json_manifests_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m" / "pod.json"
    path.parent.mkdir()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"},
           "spec": {"containers": [{"name": "c", "image": "x", "env": [
               {"name": "GITHUB_TOKEN", "value": _github_token(random.Random(3))}]}]}}
    path.write_text(json.dumps(pod, indent=2))
    before = path.read_text()
    code, out, err = move("--write", "--secrets-dir", str(tmp_path / "s"), str(path))
    assert code == 2 and "JSON" in err
    assert path.read_text() == before and pod["spec"]["containers"][0]["env"][0]["value"] not in out + err
    assert not os.path.exists(tmp_path / "s")


def test_a_read_only_manifest_is_not_changed_and_its_values_not_written(web: Path, tmp_path: Path) -> None:
    before = web.read_text()
    os.chmod(web, 0o444)
    try:
        code, out, err = move("--write", "--secrets-dir", str(tmp_path / "s"), str(web))
        assert code == 2
        assert [line for line in err.splitlines() if line.startswith("error:")] == [
            f"error: {web}: not writable (mode 0444): not changed"]
        assert web.read_text() == before and DB_PASSWORD not in out + err
        assert not (tmp_path / "s").exists()  # nothing moved: no value written
    finally:
        os.chmod(web, 0o644)


def test_errors_name_the_object_line(web: Path, tmp_path: Path) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    lines_before = web.read_text().count("\n")
    with web.open("a") as handle:
        handle.write("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: storefront\n"
                     f"  namespace: shop\n  annotations:\n    azure.workload.identity/client-id: \"{other}\"\n")
    code, _, err = move(str(web))
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) == 1
    # the pod's object, by its line in the file
    assert errors[0].startswith(f"error: {web}:") and not errors[0].startswith(f"error: {web}: ")
    line = int(errors[0].split(":")[2])
    assert 0 < line <= lines_before


def test_a_pod_of_the_wrong_shape_is_an_error_as_in_check(tmp_path: Path) -> None:
    path = tmp_path / "m" / "pod.yaml"
    path.parent.mkdir()
    token = _github_token(random.Random(5))
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers: x\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: a}\nspec:\n  containers:\n"
            f"  - name: c\n    image: x\n    env:\n    - {{name: GITHUB_TOKEN, value: {token}}}\n")
    path.write_text(text)
    code, out, err = move("--write", "--secrets-dir", str(tmp_path / "s"), str(path))
    check_code, _, check_err = run("check", str(path))
    assert code == check_code == 2
    assert f"error: {path}:5: Pod/a/p: spec.containers: expected a list, got a string" in err
    assert f"{path}:5: Pod/a/p: spec.containers: expected a list, got a string" in check_err
    assert path.read_text() == text and token not in out + err


# -- every occurrence, one vault secret per value, and what cannot move --------------------

TOKEN = "ghp_" + "Qv7LmX2pR9kT4wZ8nB3cF6hJ1sD5gA0eY2uN"
WEAK = "changeme123"
PROPS_PASSWORD = "tiger-Lq7PzR4m"
SECRET_PASSWORD = "Xk29fLq7PzR4mWb8Tn"

#: a namespace's application: a Deployment whose init container and container share a
#: token and a weak password, a CronJob with the same token, an annotation copying it, an
#: argument repeating the password, a ConfigMap and a committed Secret
SHOP = f"""\
# the shop's orders service
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
  annotations:
    ci.example.com/token: {TOKEN}  # copied by CI
spec:
  replicas: 2
  selector:
    matchLabels: {{app: orders}}
  template:
    metadata:
      labels: {{app: orders}}
    spec:
      initContainers:
      - name: migrate
        image: contoso.azurecr.io/migrate:1.4
        env:
        - name: DB_PASSWORD
          value: {WEAK}
        - name: GH_TOKEN
          value: {TOKEN}
      containers:
      - name: orders
        image: contoso.azurecr.io/orders:1.4
        args: ["--db-password", "{WEAK}"]
        env:
        - name: DB_HOST
          value: orders-db.shop.svc
        - name: DB_PASSWORD
          value: {WEAK}
        - name: GH_TOKEN
          value: {TOKEN}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: contoso.azurecr.io/report:2.0
            env:
            - name: GITHUB_TOKEN
              value: {TOKEN}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: orders-config
  namespace: shop
data:
  application.properties: |
    spring.datasource.url=jdbc:postgresql://orders-db:5432/orders
    spring.datasource.password={PROPS_PASSWORD}
---
apiVersion: v1
kind: Secret
metadata:
  name: orders-db
  namespace: shop
type: Opaque
stringData:
  password: {SECRET_PASSWORD}
"""
PLANTED = (TOKEN, WEAK, PROPS_PASSWORD, SECRET_PASSWORD)
#: (rule, path) of what --move-secrets cannot move: check keeps reporting exactly these
UNMOVABLE = {
    ("credentials/github-token", "metadata.annotations['ci.example.com/token']"),
    ("credentials/hard-coded-password", "spec.template.spec.containers[0].args[1]"),
    ("credentials/generic-secret", "data['application.properties']"),
    ("credentials/committed-secret", "stringData"),
}


def assert_no_piece(text: str) -> None:
    for value in PLANTED:
        pieces = {value[i:i + 12] for i in range(max(1, len(value) - 11))}
        assert not [p for p in pieces if p in text], "a piece of a planted credential is shown"


@pytest.mark.parametrize("as_env", [False, True], ids=["files", "as-env"])
def test_every_occurrence_moves_once_per_value_and_the_rest_is_listed(tmp_path: Path, as_env: bool) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    extra = ["--as-env"] if as_env else []
    code, out, err = move(*extra, str(path))
    assert code == 1 and path.read_text() == SHOP
    assert_no_piece(out + err)
    # every env occurrence: two in the Deployment's init container, two in its container,
    # one in the CronJob; hard-coded passwords move as other credentials do
    assert err.count("would move: ") == 5
    left = [line for line in err.splitlines() if line.startswith("left: ")]
    assert len(left) == 4
    assert any("annotations['ci.example.com/token']" in line and "delete it" in line for line in left)
    assert any("containers[0].args[1]" in line and ("$(DB_PASSWORD)" in line) for line in left)
    assert any("ConfigMap/shop/orders-config" in line and "Key Vault" in line for line in left)
    assert any("Secret/shop/orders-db stringData" in line and "secretObjects" in line for line in left)
    # a dry run names the lines of the file as it is
    assert any(line.startswith(f"left: {path}:13: ") for line in left)

    secrets = tmp_path / "values"
    code, out, err = move(*extra, "--write", "--secrets-dir", str(secrets), str(path))
    assert code == 1  # credentials it cannot move are left: check still fails on them
    assert_no_piece(out + err)
    assert_private(secrets, [TOKEN, WEAK])  # one vault secret per distinct value
    spc, = of_kind(path, "SecretProviderClass")
    names = sorted(o["objectName"] for o in objects_of(spc))
    assert len(names) == 2
    deployment, = of_kind(path, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    for container in (*pod["initContainers"], *pod["containers"]):
        assert all("value" not in e or e["name"] == "DB_HOST" or e["value"].startswith("/mnt/")
                   for e in container["env"])
    cron, = of_kind(path, "CronJob")
    cron_env = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"][0]
    referenced = (cron_env["valueFrom"]["secretKeyRef"]["key"] if as_env else cron_env["value"].rsplit("/", 1)[1])
    assert referenced in names

    # what check still reports is exactly what was listed (and vault/secret-sync with --as-env)
    after = {(f["rule"], f["path"]) for f in findings(path)}
    expected = UNMOVABLE | ({("vault/secret-sync", "spec.secretObjects[0]")} if as_env else set())
    assert {(r, p.split("[")[0] if r == "vault/secret-sync" else p) for r, p in after} == {
        (r, p.split("[")[0] if r == "vault/secret-sync" else p) for r, p in expected}

    # idempotent: a second run changes nothing and writes no value
    moved = path.read_text()
    code, out, err = move(*extra, "--write", "--secrets-dir", str(tmp_path / "again"), str(path))
    assert code == 1 and path.read_text() == moved and not (tmp_path / "again").exists()
    assert "moved 0 credential(s)" in err and err.count("left: ") == 4


def test_the_same_value_in_env_and_an_annotation_moves_from_env(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(f"""\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    ci.example.com/token: {TOKEN}
spec:
  containers:
  - name: c
    image: nginx
    env:
    - name: GH_TOKEN
      value: {TOKEN}
  ephemeralContainers:
  - name: debug
    image: busybox
    env:
    - name: GH_TOKEN
      value: {TOKEN}
""")
    code, out, err = move("--write", "--secrets-dir", str(tmp_path / "values"), str(path))
    assert code == 1 and "moved 2 credential(s) in 1 file(s)" in err
    assert_no_piece(out + err)
    assert path.read_text().count(TOKEN) == 1  # the annotation's, listed
    assert_private(tmp_path / "values", [TOKEN])
    pod, = of_kind(path, "Pod")
    for group in ("containers", "ephemeralContainers"):
        assert pod["spec"][group][0]["env"] == [{"name": "GH_TOKEN_FILE", "value": "/mnt/secrets-store/p-c-gh-token"}]
    assert {(f["rule"], f["path"]) for f in findings(path)} == {
        ("credentials/github-token", "metadata.annotations['ci.example.com/token']")}


def test_a_variable_the_container_expands_as_a_reference_is_not_renamed(tmp_path: Path) -> None:
    """`args: ["--token", "$(GITHUB_TOKEN)"]`: renaming GITHUB_TOKEN to GITHUB_TOKEN_FILE would
    silently break the argument, so the variable stays and is listed with what to do."""
    token = "ghp_" + "Qw8Er2Ty4Ui6Op8As0Df2Gh4Jk6Lz8Xc0Vb2N"
    manifest = tmp_path / "app.yaml"
    manifest.write_text(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      serviceAccountName: app
      containers:
        - name: app
          image: example.azurecr.io/app:1.0
          args: ["--token", "$(GITHUB_TOKEN)"]
          env:
            - name: GITHUB_TOKEN
              value: {token}
""")
    code, out, err = move("--secrets-dir", str(tmp_path / "values"), "--write", str(manifest))
    assert code == 1 and token[4:16] not in out + err
    container = of_kind(manifest, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    assert [e["name"] for e in container["env"]] == ["GITHUB_TOKEN"]  # not renamed
    assert container["args"] == ["--token", "$(GITHUB_TOKEN)"]
    assert 'refers to it as "$(GITHUB_TOKEN)"' in out + err and "--as-env" in out + err
    # with --as-env the name stays, so it moves
    code, out, err = move("--as-env", "--secrets-dir", str(tmp_path / "values2"), "--write", str(manifest))
    container = of_kind(manifest, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    assert "valueFrom" in container["env"][0] and "value" not in container["env"][0]
