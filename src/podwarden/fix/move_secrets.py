"""Move credentials out of pod environments into Azure Key Vault (``fix --move-secrets``).

For every credential the ``credentials`` family finds in ``env[].value`` of a
container or init container of a pod-bearing object (and that no
``podwarden.io/ignore`` annotation suppresses), the move:

- adds one Key Vault object (``objectType: secret``) to a SecretProviderClass of the
  vault in the pod's namespace: an existing one in the input that already uses the same
  vault and workload identity client id is extended, else one is created;
- mounts that SecretProviderClass read-only through the Secrets Store CSI driver in the
  pod and in the container;
- replaces the literal value.  By default the variable ``NAME`` becomes ``NAME_FILE``
  holding the path of the mounted file (the ``_FILE`` convention many images follow): the
  value then exists only in the vault and in the pod's tmpfs mount.  With ``as_env`` the
  variable keeps its name and reads ``valueFrom.secretKeyRef`` of a Kubernetes Secret the
  SecretProviderClass syncs (``secretObjects``): the application needs no change, but
  the value is also stored in etcd (``vault/secret-sync`` reports that);
- wires Microsoft Entra Workload ID: the pod label ``azure.workload.identity/use:
  "true"``, ``serviceAccountName`` and the ServiceAccount's client-id and tenant-id
  annotations (the ServiceAccount is created when the input does not hold it).

The ServiceAccount is, in order: the one asked for, the pod's own (unless ``default``,
which every pod of the namespace shares), else one named after the workload.

New objects are appended as new YAML documents to the file that holds the pod; every
other byte of the file stays as it was, and each result is verified to parse to exactly
the intended data (``yamlfile``).  JSON files hold one document and are refused.

The values leave the manifests only through ``Plan.values`` (object name -> value); they
are never part of messages, diffs (``redact``) or exceptions.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from podwarden.engine import Engine, Selection, ignores_of, object_problem, suppressed_by
from podwarden.errors import InputError
from podwarden.fix import yamlfile, yamlnodes, yamlrender
from podwarden.fix.redact import Redactions, credentials_in
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Skipped, expand
from podwarden.model.edits import Edit
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath
from podwarden.model.podspec import PodView
from podwarden.model.secret import fingerprint
from podwarden.rules.registry import Registry

CSI_DRIVER = "secrets-store.csi.k8s.io"
SPC_API = "secrets-store.csi.x-k8s.io/v1"
USE_LABEL = "azure.workload.identity/use"
CLIENT_ID = "azure.workload.identity/client-id"
TENANT_ID = "azure.workload.identity/tenant-id"
MOUNT_PATH = "/mnt/secrets-store"
VOLUME_NAME = "secrets-store"

_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
#: Key Vault names: 3-24 letters, digits and hyphens, starting with a letter, ending with
#: a letter or digit, no two hyphens in a row
_VAULT = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")
_DNS_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?")
_POD_LISTS = ("containers", "initContainers")


def valid_guid(value: str) -> bool:
    return _GUID.fullmatch(value) is not None


def valid_vault_name(value: str) -> bool:
    return _VAULT.fullmatch(value) is not None


def valid_object_name(value: str) -> bool:
    """A Kubernetes object name (DNS subdomain)."""
    return _DNS_NAME.fullmatch(value) is not None


def secret_name(*parts: str) -> str:
    """A Key Vault secret name (1-127 letters, digits, hyphens) made of ``parts``."""
    text = "-".join(parts).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = re.sub(r"-{2,}", "-", text)[:120].strip("-")
    return text or "secret"


@dataclass(frozen=True, slots=True)
class Options:
    keyvault: str
    tenant_id: str
    client_id: str
    service_account: str | None = None
    as_env: bool = False


@dataclass(frozen=True, slots=True)
class Moved:
    """One credential moved: where it was and which vault object now holds it."""

    file: str
    object: str
    container: str
    env: str
    secret: str  # fingerprint, never the value
    object_name: str
    spc: str


@dataclass(slots=True)
class FilePlan:
    """One input file: its text and what the move changes in it."""

    path: str
    text: str
    encoding: yamlfile.Encoding
    docs: list[yamlload.Document]
    json: bool
    edits: dict[int, list[Edit]] = field(default_factory=dict)
    new_docs: list[dict[str, Any]] = field(default_factory=list)
    fixed_text: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed_text is not None and self.fixed_text != self.text

    def fixed_bytes(self) -> bytes:
        assert self.fixed_text is not None
        return self.encoding.encode(self.fixed_text)


@dataclass(slots=True)
class Plan:
    """The whole move: files to rewrite, what moved, values to upload, errors."""

    files: list[FilePlan] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    #: Key Vault object name -> value: the only place values are kept
    values: dict[str, str] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    skipped: int = 0
    #: synced Kubernetes Secrets (``as_env``), ``namespace/name``
    synced: list[str] = field(default_factory=list)
    #: what to hide in anything printed (``plan.redact(text)``): every credential of the files
    redact: Redactions = field(default_factory=Redactions)

    @property
    def changed(self) -> list[FilePlan]:
        return [f for f in self.files if f.changed]


# -- where things are ------------------------------------------------------------------------


@dataclass(slots=True)
class _Loc:
    """An object of the input: its file, document and place in the document."""

    file: FilePlan
    doc: int
    prefix: FieldPath
    data: dict[str, Any]
    new: bool = False


@dataclass(slots=True)
class _Spc:
    """A SecretProviderClass the move writes objects to."""

    loc: _Loc
    name: str
    namespace: str | None
    entries: list[str]  # the ``objects`` array as strings
    objects_text: str
    added: list[str] = field(default_factory=list)  # object names added by the move
    synced: list[str] = field(default_factory=list)  # object names added to secretObjects

    @property
    def sync_secret(self) -> str:
        return f"{self.name}-sync"


class _PodError(Exception):
    """This pod cannot be moved; the message says why (never a value)."""


def _ns(data: dict[str, Any]) -> str | None:
    meta = data.get("metadata")
    value = meta.get("namespace") if isinstance(meta, dict) else None
    return str(value) if value else None


def _name(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    value = meta.get("name") if isinstance(meta, dict) else None
    return str(value) if value else ""


def _same(a: Any, b: str) -> bool:
    return isinstance(a, str) and a.strip().lower() == b.strip().lower()


class Mover:
    """Plans the move of env credentials to Key Vault over a set of input files."""

    def __init__(self, options: Options, registry: Registry | None = None) -> None:
        self.options = options
        self.engine = Engine(Selection(only=frozenset({"credentials"})), registry)

    # -- reading ------------------------------------------------------------------------

    def _load(self, paths: Sequence[str], plan: Plan) -> list[FilePlan]:
        files: list[FilePlan] = []
        for item in expand(paths):
            if isinstance(item, InputError):
                plan.errors.append(item)
                continue
            if isinstance(item, Skipped):
                plan.skipped += 1
                continue
            if item.name == "-":
                plan.errors.append(InputError("-", 0, "--move-secrets rewrites files: "
                                                      "standard input is not supported"))
                continue
            try:
                text, encoding = yamlfile.decode(item.read(), item.name)
                docs = yamlload.parse(text, item.name)
            except InputError as exc:
                plan.errors.append(exc)
                continue
            files.append(FilePlan(item.name, text, encoding, docs, yamlfile.is_json(text)))
        return files

    def _objects(self, fp: FilePlan) -> Iterator[tuple[int, FieldPath, dict[str, Any]]]:
        for doc in fp.docs:
            for prefix, data in yamlload.iter_objects(doc):
                if not object_problem(data):
                    yield doc.index, prefix, data

    # -- planning -----------------------------------------------------------------------

    def plan(self, paths: Sequence[str]) -> Plan:
        """Everything the move would do; files are not touched."""
        loaded = Plan()
        files = self._load(paths, loaded)
        failed: set[str] = set()
        carried: list[InputError] = []
        for _ in range(3):  # a file that cannot be rewritten drops its pods, then replan
            attempt = Plan(errors=[*loaded.errors, *carried], skipped=loaded.skipped)
            self._plan_into(attempt, files, failed)
            count = len(attempt.errors)
            newly = self._render(attempt) - failed
            if not newly:
                break
            failed |= newly
            carried.extend(e for e in attempt.errors[count:] if e.file in newly)
        return attempt

    def _plan_into(self, plan: Plan, files: list[FilePlan], failed: set[str]) -> None:
        for fp in files:
            fp.edits, fp.new_docs, fp.fixed_text = {}, [], None
        plan.files = files
        self.accounts: dict[tuple[str | None, str], _Loc] = {}
        self.spcs: dict[tuple[str | None, str], _Loc] = {}
        self.targets: dict[str | None, _Spc] = {}
        self.used_names: set[str] = set()
        self.plan_ref = plan
        for fp in files:
            for index, prefix, data in self._objects(fp):
                key = (_ns(data), _name(data))
                if data.get("kind") == "ServiceAccount" and data.get("apiVersion") == "v1":
                    self.accounts.setdefault(key, _Loc(fp, index, prefix, data))
                elif data.get("kind") == "SecretProviderClass":
                    self.spcs.setdefault(key, _Loc(fp, index, prefix, data))
                    params = (data.get("spec") or {}).get("parameters") if isinstance(data.get("spec"), dict) else None
                    if isinstance(params, dict) and _same(params.get("keyvaultName"), self.options.keyvault):
                        self.used_names.update(self._entry_names(params.get("objects")))
        for fp in files:  # every credential, moved or not, is hidden in what is printed
            credentials_in(self.engine, fp.text, fp.docs, plan.redact)
        for fp in files:
            if fp.path in failed:
                continue
            for index, prefix, data in self._objects(fp):
                obj = KubeObject(data, prefix)
                try:
                    pod = obj.pod
                except ShapeError:
                    continue
                if pod is None:
                    continue
                found = self._env_credentials(obj, pod)
                if not found:
                    continue
                try:
                    self._move_pod(plan, fp, index, obj, pod, found)
                except _PodError as exc:
                    plan.errors.append(InputError(fp.path, 0, f"{obj.ref}: not moved: {exc}"))

    def _env_credentials(self, obj: KubeObject, pod: PodView) -> dict[FieldPath, str]:
        """Env value paths (object-relative) holding a credential -> its fingerprint."""
        try:
            ignores = ignores_of(obj, pod)
        except ShapeError:
            return {}
        out: dict[FieldPath, str] = {}
        for active in self.engine.object_checks:
            try:
                violations = list(active.fn(obj, self.engine.context))
            except ShapeError:
                continue
            for v in violations:
                path = v.path
                if (len(path) == len(pod.spec.path) + 5 and path[:len(pod.spec.path)] == pod.spec.path
                        and path[len(pod.spec.path)] in _POD_LISTS and path[-3] == "env" and path[-1] == "value"
                        and suppressed_by(ignores, active.rule.id, path, pod) is None):
                    out.setdefault(path, v.secret or "")
        return out

    # -- one pod ------------------------------------------------------------------------

    def _move_pod(self, plan: Plan, fp: FilePlan, doc: int, obj: KubeObject, pod: PodView,
                  found: dict[FieldPath, str]) -> None:
        if fp.json:
            raise _PodError("JSON manifest: --move-secrets appends YAML documents; "
                            "convert the file to YAML first")
        opts = self.options
        ns = obj.ref.namespace
        spec = pod.spec.data or {}
        pre = obj.path  # the object's place in its document
        edits: list[Edit] = []
        extra: list[tuple[_Loc, list[Edit]]] = []

        # the ServiceAccount
        current = spec.get("serviceAccountName") or spec.get("serviceAccount")
        if opts.service_account:
            account = opts.service_account
        elif isinstance(current, str) and current and current != "default":
            account = current
        else:
            account = obj.name
            if not valid_object_name(account):
                raise _PodError("no ServiceAccount name to use: pass --service-account")
        if spec.get("serviceAccountName") != account:
            edits.append(Edit.set((*pre, *pod.spec.path, "serviceAccountName"), account))
        if "serviceAccount" in spec and spec.get("serviceAccount") != account:
            edits.append(Edit.set((*pre, *pod.spec.path, "serviceAccount"), account))
        sa_loc = self.accounts.get((ns, account))
        new_sa: dict[str, Any] | None = None
        if sa_loc is None:
            new_sa = self._service_account(account, ns)
        else:
            annotations = (sa_loc.data.get("metadata") or {}).get("annotations") or {}
            sa_edits = []
            for key, want in ((CLIENT_ID, opts.client_id), (TENANT_ID, opts.tenant_id)):
                have = annotations.get(key) if isinstance(annotations, dict) else None
                if have in (None, ""):
                    sa_edits.append(Edit.set((*sa_loc.prefix, "metadata", "annotations", key), want))
                elif not _same(have, want):
                    raise _PodError(f'ServiceAccount "{account}" already has another {key}: '
                                    "pass --service-account to use another one")
            if sa_edits:
                if sa_loc.file.json:
                    raise _PodError(f'ServiceAccount "{account}" is in a JSON file: annotate it by hand')
                extra.append((sa_loc, sa_edits))

        # the label
        if pod.labels.get(USE_LABEL) != "true":
            edits.append(Edit.set((*pre, *pod.metadata.path, "labels", USE_LABEL), "true"))

        # the SecretProviderClass
        target, spc_new = self._target(ns, fp)
        found_volumes = spec.get("volumes")
        volumes: list[Any] = found_volumes if isinstance(found_volumes, list) else []
        volume = None
        for i, vol in enumerate(volumes):
            csi = vol.get("csi") if isinstance(vol, dict) else None
            if (isinstance(csi, dict) and csi.get("driver") == CSI_DRIVER
                    and (csi.get("volumeAttributes") or {}).get("secretProviderClass") == target.name):
                volume = str(vol.get("name"))
                if csi.get("readOnly") is not True:
                    edits.append(Edit.set((*pre, *pod.spec.path, "volumes", i, "csi", "readOnly"), True))
        if volume is None:
            taken = {str(v.get("name")) for v in volumes if isinstance(v, dict)}
            volume = _unique(VOLUME_NAME, taken)
            edits.append(Edit.add((*pre, *pod.spec.path, "volumes"), {
                "name": volume,
                "csi": {"driver": CSI_DRIVER, "readOnly": True,
                        "volumeAttributes": {"secretProviderClass": target.name}},
            }))

        moved: list[Moved] = []
        names_here: list[tuple[str, str]] = []  # (object name, value)
        by_container: dict[FieldPath, list[FieldPath]] = {}
        for path in sorted(found, key=lambda p: tuple(str(x) for x in p)):
            by_container.setdefault(path[:-3], []).append(path)
        for cpath, paths in by_container.items():
            container = _get(obj.data, cpath)
            cname = str(container.get("name") or "")
            mounts = container.get("volumeMounts") if isinstance(container.get("volumeMounts"), list) else []
            mount_path = None
            for m in mounts:
                if isinstance(m, dict) and m.get("name") == volume:
                    mount_path = str(m.get("mountPath"))
            if mount_path is None:
                used = {str(m.get("mountPath")) for m in mounts if isinstance(m, dict)}
                mount_path = MOUNT_PATH if MOUNT_PATH not in used else _unique(MOUNT_PATH, used)
                edits.append(Edit.add((*pre, *cpath, "volumeMounts"),
                                      {"name": volume, "mountPath": mount_path, "readOnly": True}))
            env = container.get("env") or []
            env_names = {str(e.get("name")) for e in env if isinstance(e, dict)}
            for path in paths:
                j = path[-2]
                assert isinstance(j, int)
                entry = env[j]
                var = str(entry.get("name") or "")
                value = entry.get("value")
                if not isinstance(value, str) or not var:
                    continue
                parts = (obj.name, var) if cname in ("", obj.name) else (obj.name, cname, var)
                object_name = self._object_name(*parts)
                base = (*pre, *cpath, "env", j)
                if opts.as_env:
                    edits.append(Edit.set((*base, "valueFrom"),
                                          {"secretKeyRef": {"name": target.sync_secret, "key": object_name}}))
                else:
                    new_var = f"{var}_FILE"
                    if new_var in env_names:
                        raise _PodError(f'container "{cname}" already sets {new_var}: move env "{var}" by hand')
                    env_names.add(new_var)
                    edits.append(Edit.set((*base, "name"), new_var))
                    edits.append(Edit.set((*base, "value"), f"{mount_path.rstrip('/')}/{object_name}"))
                if opts.as_env:
                    edits.append(Edit.remove((*base, "value")))
                names_here.append((object_name, value))
                moved.append(Moved(fp.path, str(obj.ref), cname, var, found[path] or fingerprint(value),
                                   object_name, target.name))

        names = [*target.added, *(n for n, _ in names_here)]
        if _objects_text(target.objects_text, target.entries,
                         [f"objectName: {n}\nobjectType: secret\n" for n in names]) is None:
            raise _PodError(f'SecretProviderClass "{target.name}": cannot extend its objects parameter')
        # commit: nothing above changed shared state
        for loc, loc_edits in extra:
            loc.file.edits.setdefault(loc.doc, []).extend(loc_edits)
        if new_sa is not None:
            self.accounts[(ns, account)] = _Loc(fp, -1, (), new_sa, new=True)
            fp.new_docs.append(new_sa)
        if spc_new:
            self.targets[ns] = target
            fp.new_docs.append(target.loc.data)
        for object_name, value in names_here:
            self.used_names.add(object_name)
            plan.values[object_name] = value
            target.added.append(object_name)
        fp.edits.setdefault(doc, []).extend(edits)
        plan.moved.extend(moved)
        self._write_spc(target)

    def _object_name(self, *parts: str) -> str:
        base = secret_name(*parts)
        name, n = base, 1
        while name in self.used_names or name in self.plan_ref.values:
            n += 1
            name = f"{base}-{n}"
        return name

    # -- SecretProviderClass ------------------------------------------------------------

    @staticmethod
    def _entry_names(objects: Any) -> set[str]:
        names: set[str] = set()
        try:
            doc = yaml.safe_load(objects) if isinstance(objects, str) else None
        except yaml.YAMLError:
            return names
        array = doc.get("array") if isinstance(doc, dict) else None
        for item in array if isinstance(array, list) else []:
            try:
                entry = yaml.safe_load(item) if isinstance(item, str) else None
            except yaml.YAMLError:
                continue
            if isinstance(entry, dict) and entry.get("objectName"):
                names.add(str(entry["objectName"]).strip().lower())
        return names

    def _target(self, ns: str | None, fp: FilePlan) -> tuple[_Spc, bool]:
        """The SecretProviderClass of the vault in ``ns`` (and whether it is new)."""
        if ns in self.targets:
            return self.targets[ns], False
        opts = self.options
        for (spc_ns, name), loc in self.spcs.items():
            if spc_ns != ns or loc.new:
                continue
            spec = loc.data.get("spec")
            if not isinstance(spec, dict) or spec.get("provider") != "azure":
                continue
            params = spec.get("parameters")
            if not isinstance(params, dict):
                continue
            if not _same(params.get("keyvaultName"), opts.keyvault):
                continue
            if not _same(params.get("clientID"), opts.client_id):
                continue
            if any(str(params.get(k, "")).strip().lower() in ("true", "1", "t")
                   for k in ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")):
                continue
            objects = params.get("objects")
            entries = self._array(objects)
            if entries is None:
                raise _PodError(f'SecretProviderClass "{name}" has an objects parameter that does not '
                                "parse: fix it first")
            if loc.file.json:
                raise _PodError(f'SecretProviderClass "{name}" is in a JSON file: extend it by hand')
            spc = _Spc(loc, name, ns, entries, str(objects))
            self.targets[ns] = spc
            return spc, False
        taken = {name for (spc_ns, name) in self.spcs if spc_ns == ns}
        name = _unique(secret_name(opts.keyvault, "kv"), taken)
        data: dict[str, Any] = {
            "apiVersion": SPC_API,
            "kind": "SecretProviderClass",
            "metadata": {"name": name, **({"namespace": ns} if ns else {})},
            "spec": {
                "provider": "azure",
                "parameters": {
                    "clientID": opts.client_id,
                    "keyvaultName": opts.keyvault,
                    "tenantID": opts.tenant_id,
                    "objects": "",
                },
            },
        }
        loc = _Loc(fp, -1, (), data, new=True)
        self.spcs[(ns, name)] = loc
        return _Spc(loc, name, ns, [], ""), True

    @staticmethod
    def _array(objects: Any) -> list[str] | None:
        if objects in (None, ""):
            return []
        try:
            doc = yaml.safe_load(objects) if isinstance(objects, str) else None
        except yaml.YAMLError:
            return None
        array = doc.get("array") if isinstance(doc, dict) else None
        if not isinstance(array, list) or not all(isinstance(x, str) for x in array):
            return None
        return list(array)

    def _write_spc(self, spc: _Spc) -> None:
        """Put ``spc``'s added objects into its data (new) or its file's edits (existing)."""
        new_entries = [f"objectName: {n}\nobjectType: secret\n" for n in spc.added]
        text = _objects_text(spc.objects_text, spc.entries, new_entries)
        if text is None:
            raise _PodError(f'SecretProviderClass "{spc.name}": cannot extend its objects parameter')
        to_sync = [n for n in spc.added if n not in spc.synced] if self.options.as_env else []
        if spc.loc.new:
            spc.loc.data["spec"]["parameters"]["objects"] = text
            if self.options.as_env and spc.added:
                spc.loc.data["spec"]["secretObjects"] = [{
                    "secretName": spc.sync_secret, "type": "Opaque",
                    "data": [{"objectName": n, "key": n} for n in spc.added],
                }]
            self._note_sync(spc)
            return
        base = (*spc.loc.prefix, "spec")
        edits = spc.loc.file.edits.setdefault(spc.loc.doc, [])
        # drop this SPC's previous objects edit: the latest text holds every object
        edits[:] = [e for e in edits if e.path != (*base, "parameters", "objects")]
        edits.append(Edit.set((*base, "parameters", "objects"), text))
        if to_sync:
            spec = spc.loc.data.get("spec") or {}
            existing = spec.get("secretObjects") if isinstance(spec.get("secretObjects"), list) else None
            index = next((i for i, s in enumerate(existing or [])
                          if isinstance(s, dict) and s.get("secretName") == spc.sync_secret), None)
            items = [{"objectName": n, "key": n} for n in to_sync]
            if index is None and not any(e.path == (*base, "secretObjects") for e in edits):
                edits.append(Edit.add((*base, "secretObjects"), {
                    "secretName": spc.sync_secret, "type": "Opaque", "data": items}))
            elif index is None:
                for e in edits:
                    if e.path == (*base, "secretObjects"):
                        e.value["data"].extend(items)
            else:
                edits.extend(Edit.add((*base, "secretObjects", index, "data"), item) for item in items)
            spc.synced.extend(to_sync)
        self._note_sync(spc)

    def _note_sync(self, spc: _Spc) -> None:
        if self.options.as_env and spc.added:
            where = f"{spc.namespace}/{spc.sync_secret}" if spc.namespace else spc.sync_secret
            if where not in self.plan_ref.synced:
                self.plan_ref.synced.append(where)

    def _service_account(self, name: str, ns: str | None) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": name,
                **({"namespace": ns} if ns else {}),
                "annotations": {CLIENT_ID: self.options.client_id, TENANT_ID: self.options.tenant_id},
            },
        }

    # -- rendering ----------------------------------------------------------------------

    def _render(self, plan: Plan) -> set[str]:
        """Compute each file's new text; returns the files that cannot be rewritten."""
        failed: set[str] = set()
        for fp in plan.files:
            if not fp.edits and not fp.new_docs:
                continue
            try:
                text = fp.text
                if fp.edits:
                    text = yamlfile.apply_edits(text, fp.docs, fp.edits, fp.path)
                if fp.new_docs:
                    text = _append_documents(text, fp.new_docs, fp.path)
            except yamlfile.FixRefused as exc:
                plan.errors.append(InputError(fp.path, 0, f"not rewritten: {exc}"))
                failed.add(fp.path)
                continue
            fp.fixed_text = text
        return failed


def _get(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _objects_text(old: str, entries: list[str], new: list[str]) -> str | None:
    """The ``objects`` string with ``new`` entries appended; its own text kept when it can be."""
    want = [*entries, *new]
    candidates = []
    if old.strip() and old.endswith("\n"):
        dash = re.search(r"^( *)- ", old, re.M)
        pad = dash.group(1) if dash else "  "
        block = re.search(r"^( *)- [|>][-+]?\n( *)\S", old, re.M)  # the file's own entry indent
        inner = block.group(2) if block and len(block.group(2)) > len(block.group(1)) else pad + "  "
        candidates.append(old + "".join(
            f"{pad}- |\n" + "".join(f"{inner}{line}\n" for line in e.splitlines()) for e in new))
    lines = ["array:"]
    for e in want:
        if not e.endswith("\n") or e.endswith("\n\n") or e[:1] == " ":
            lines = []
            break
        lines.append("  - |")
        lines.extend(f"    {line}" if line else "" for line in e[:-1].split("\n"))
    if lines:
        candidates.append("\n".join(lines) + "\n")
    for text in candidates:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and doc.get("array") == want:
            return text
    return None


def _append_documents(text: str, docs: list[dict[str, Any]], file: str) -> str:
    """``text`` followed by ``docs`` as new YAML documents; verified to parse back."""
    roots = [r for r in yamlnodes.compose_all(text) if r is not None]
    style = yamlnodes.detect_style(text, roots[0]) if roots else yamlrender.Style()
    nl = style.newline
    out = text
    if out and not out.endswith("\n"):
        out += nl
    for data in docs:
        lines = ["---"]
        for key, value in data.items():
            lines.extend(yamlrender.block_entry(key, value, 0, style))
        out += nl.join(lines) + nl
    before = [d.data for d in yamlload.parse(text, file)]
    try:
        after = [d.data for d in yamlload.parse(out, file)]
    except InputError as exc:
        raise yamlfile.FixRefused(f"the new documents would not parse ({exc.message})") from None
    if after != [*before, *docs]:
        raise yamlfile.FixRefused("the new documents would not parse back exactly; left untouched")
    return out


# -- the values ------------------------------------------------------------------------------


def check_secrets_dir(path: str, inputs: Sequence[str]) -> str:
    """Why ``path`` cannot take the values ('' when it can); it is not created here."""
    if os.path.lexists(path):
        return f"{path} already exists: give a directory that does not exist yet"
    parent = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(parent):
        return f"{parent} does not exist"
    return check_inside(path, inputs)


def write_values(values: dict[str, str], vault: str, folder: str | None, inputs: Sequence[str]) -> str:
    """Write each value to ``folder``/NAME (0600) and ``upload.sh`` (0700) in a new
    directory (0700): ``folder``, or a fresh temporary one.  Returns the directory."""
    import tempfile

    if folder is None:
        target = tempfile.mkdtemp(prefix="podwarden-secrets-")
        problem = check_inside(target, inputs)
        if problem:
            os.rmdir(target)
            raise OSError(problem)
    else:
        target = os.path.realpath(folder)
        os.mkdir(target, 0o700)
    os.chmod(target, 0o700)
    lines = [
        "#!/bin/sh",
        "# Upload the values podwarden moved out of the manifests to Azure Key Vault.",
        "# Each value is read from its file (--file): none appears on a command line.",
        "# Delete this directory once the upload succeeded:",
        f"#   rm -rf {shlex.quote(target)}",
        "set -eu",
    ]
    for name, value in sorted(values.items()):
        file = os.path.join(target, name)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(value)
        lines.append(f"az keyvault secret set --vault-name {shlex.quote(vault)} --name {shlex.quote(name)} "
                     f"--file {shlex.quote(file)} --encoding utf-8 --output none")
    script = os.path.join(target, "upload.sh")
    fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o700)
        handle.write("\n".join(lines) + "\n")
    return target


def check_inside(path: str, inputs: Sequence[str]) -> str:
    """Why ``path`` is inside a manifest tree given as input ('' when it is not)."""
    full = os.path.realpath(path)
    for given in inputs:
        if given == "-":
            continue
        real = os.path.realpath(given)
        if os.path.isdir(real) and os.path.commonpath([real, full]) == real:
            return f"{path} is inside the manifest tree {given}: the values must be kept outside it"
    return ""
