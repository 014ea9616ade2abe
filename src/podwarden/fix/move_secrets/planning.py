"""Planning the move: which env values hold credentials, the edits of each pod, the
SecretProviderClass and ServiceAccount each needs, and each file's new text."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Sequence
from typing import Any

from podwarden.engine import Engine, FileResult, Finding, Selection, ignores_of, object_problem, suppressed_by
from podwarden.errors import InputError
from podwarden.fix import writable, yamlfile
from podwarden.fix.move_secrets.documents import append_documents, objects_text
from podwarden.fix.move_secrets.model import (
    CLIENT_ID,
    CSI_DRIVER,
    MOUNT_PATH,
    POD_LISTS,
    TENANT_ID,
    USE_LABEL,
    VOLUME_NAME,
    FilePlan,
    Left,
    Loc,
    Moved,
    Options,
    Plan,
    PodError,
    Spc,
    get_at,
    name_of,
    namespace_of,
    same,
    secret_name,
    unique,
    valid_object_name,
)
from podwarden.fix.move_secrets.spc import SpcWriter
from podwarden.fix.redact import credentials_in
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Skipped, expand
from podwarden.model.edits import Edit
from podwarden.model.index import Index
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath, render
from podwarden.model.podspec import PodView
from podwarden.model.secret import fingerprint
from podwarden.rules.registry import Registry

#: an argument of a container: group 1 is the container's path
_ARG = re.compile(r"^(.*\.(?:containers|initContainers|ephemeralContainers)\[\d+\])\.(?:args|command)\[\d+\]$")
_ENV_VALUE = re.compile(r"^.*\.(?:containers|initContainers|ephemeralContainers)\[\d+\]\.env\[\d+\]\.value$")


class Mover(SpcWriter):
    """Plans the move of env credentials to Key Vault over a set of input files."""

    def __init__(self, options: Options, registry: Registry | None = None) -> None:
        self.options = options
        self.engine = Engine(Selection(only=frozenset({"credentials"})), registry)
        #: (object, env value path) of variables left in place because the container
        #: refers to them as $(NAME): renaming them to NAME_FILE would break that
        self.referenced: dict[tuple[str, str], str] = {}

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

    def plan(self, paths: Sequence[str], writing: bool = False) -> Plan:
        """Everything the move would do; files are not touched."""
        loaded = Plan()
        files = self._load(paths, loaded)
        self.writing = writing
        # a pod of the wrong shape is an error, as in check: its file is not changed
        failed = self._shape_errors(files, loaded)
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
        attempt.left = self._left(attempt, failed)
        return attempt

    # -- what stays -----------------------------------------------------------------------

    def _left(self, plan: Plan, failed: set[str]) -> list[Left]:
        """Every credential ``check --only credentials`` still reports once the move is
        made (its suppressions honoured), each with what to do about it."""
        after = self._findings({fp.path: self._docs(fp) for fp in plan.files})
        before: dict[str, list[Finding]] = {}
        if not self.writing:  # a dry run names the lines of the files as they are
            before = self._findings({fp.path: fp.docs for fp in plan.files})
        left: list[Left] = []
        for fp in plan.files:
            lines = {(f.rule_id, str(f.object), f.path, f.secret): f.line for f in before.get(fp.path, [])}
            for f in after[fp.path]:
                line = lines.get((f.rule_id, str(f.object), f.path, f.secret), f.line)
                advice = self._advice(f, plan, fp.path in failed)
                left.append(Left(fp.path, line, str(f.object), f.path, f.rule_id, f.secret or "", advice))
        return left

    @staticmethod
    def _docs(fp: FilePlan) -> list[yamlload.Document]:
        if not fp.changed or fp.fixed_text is None:
            return fp.docs
        try:
            return yamlload.parse(fp.fixed_text, fp.path)
        except InputError:
            return fp.docs  # cannot happen: every new text was verified to parse

    def _findings(self, files: dict[str, list[yamlload.Document]]) -> dict[str, list[Finding]]:
        """What ``check --only credentials`` reports on these files' documents, the
        cross-resource rules reading all of them (a Secret synced by a mounted
        SecretProviderClass is the vault family's)."""
        objects = [(path, doc, KubeObject(data, prefix)) for path, docs in files.items() for doc in docs
                   for prefix, data in yamlload.iter_objects(doc) if not object_problem(data)]
        if self.engine.uses_index:
            index = Index()
            for path, _, obj in objects:
                index.add(obj, path)
            self.engine.context.index = index
        results = {path: FileResult(path) for path in files}
        for path, doc, obj in objects:
            self.engine.evaluate(obj, doc, path, results[path])
        return {path: r.findings for path, r in results.items()}

    def _advice(self, f: Finding, plan: Plan, failed: bool) -> str:
        """What to do with a credential the move leaves (words only, never a value)."""
        kind, path = f.object.kind, f.path
        if f.rule_id == "credentials/secret-in-environment":
            return ("a Secret read into the environment: mount it as a file, or give its values to "
                    "Key Vault and read them through the SecretProviderClass's CSI mount")
        if kind == "Secret":
            return ("a committed Secret: make each of its keys a Key Vault secret, list them in a "
                    "SecretProviderClass with secretObjects syncing a Secret of this name for the pods "
                    "that read it, then delete this Secret from the manifests (and rotate its values)")
        if kind == "ConfigMap":
            return ("a ConfigMap value: keep the credential in Key Vault and read it from the "
                    "SecretProviderClass's mounted file; leave only settings that are not secret "
                    "in the ConfigMap")
        if path.startswith(("metadata.annotations", "metadata.labels")) or ".metadata.annotations" in path \
                or ".metadata.labels" in path:
            return ("an annotation or label, readable by anyone who can read the object: delete it; "
                    "what needs the value reads it from Key Vault")
        match = _ARG.match(path)
        if match:
            container = match.group(1)
            sources = [m for m in plan.moved if m.object == str(f.object) and m.secret == f.secret
                       and m.path.startswith(f"{container}.env[")]
            if sources and self.options.as_env:
                return (f'a command-line argument: write "$({sources[0].reads})" in its place; the '
                        "variable now reads the value from Key Vault")
            if sources:
                return (f'a command-line argument: the value moved from env "{sources[0].env}" to the '
                        f"file named by ${sources[0].reads}: read it from there (a shell: "
                        f'"$(cat ${sources[0].reads})"), or move with --as-env and write '
                        f'"$({sources[0].env})" in its place')
            return ("a command-line argument: give it to the container as an env value, run "
                    "--move-secrets again, and write \"$(NAME)\" of that variable in its place")
        if failed:
            return "not moved: its file could not be rewritten (see the error above)"
        var = self.referenced.get((str(f.object), path))
        if var is not None:
            return (f'not moved: the container refers to it as "$({var})" (command, args or env), which '
                    f'renaming it to {var}_FILE would break: move with --as-env (the name stays), or '
                    f'read the file in the program and drop "$({var})"')
        if _ENV_VALUE.match(path):
            return "not moved (see the error above): move it by hand"
        return "move it to Key Vault by hand (`podwarden explain " + f.rule_id + "` says how)"

    def _shape_errors(self, files: list[FilePlan], plan: Plan) -> set[str]:
        failed: set[str] = set()
        for fp in files:
            for index, prefix, data in self._objects(fp):
                obj = KubeObject(data, prefix)
                try:
                    pod = obj.pod
                    for container in pod.containers() if pod is not None else ():
                        _ = container.node.maps("env")
                except ShapeError as exc:
                    line = _doc(fp, index).locate((*prefix, *exc.path))[0]
                    plan.errors.append(InputError(fp.path, line, f"{obj.ref}: {exc}"))
                    failed.add(fp.path)
        return failed

    def _plan_into(self, plan: Plan, files: list[FilePlan], failed: set[str]) -> None:
        for fp in files:
            fp.edits, fp.new_docs, fp.fixed_text = {}, [], None
        plan.files = files
        self.accounts: dict[tuple[str | None, str], Loc] = {}
        self.spcs: dict[tuple[str | None, str], Loc] = {}
        self.targets: dict[str | None, Spc] = {}
        self.used_names: set[str] = set()
        #: value -> the Key Vault object holding it: one object per distinct value, whatever
        #: the number of places (containers, init containers, pods, namespaces) it stood in
        self.object_for: dict[str, str] = {}
        self.plan_ref = plan
        for fp in files:
            for index, prefix, data in self._objects(fp):
                key = (namespace_of(data), name_of(data))
                if data.get("kind") == "ServiceAccount" and data.get("apiVersion") == "v1":
                    self.accounts.setdefault(key, Loc(fp, index, prefix, data))
                elif data.get("kind") == "SecretProviderClass":
                    self.spcs.setdefault(key, Loc(fp, index, prefix, data))
                    params = (data.get("spec") or {}).get("parameters") if isinstance(data.get("spec"), dict) else None
                    if isinstance(params, dict) and same(params.get("keyvaultName"), self.options.keyvault):
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
                except PodError as exc:
                    line = _doc(fp, index).locate(prefix)[0]
                    plan.errors.append(InputError(fp.path, line, f"{obj.ref}: not moved: {exc}"))

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
                        and path[len(pod.spec.path)] in POD_LISTS and path[-3] == "env" and path[-1] == "value"
                        and suppressed_by(ignores, active.rule.id, path, pod) is None):
                    out.setdefault(path, v.secret or "")
        return out

    # -- one pod ------------------------------------------------------------------------

    def _move_pod(self, plan: Plan, fp: FilePlan, doc: int, obj: KubeObject, pod: PodView,
                  found: dict[FieldPath, str]) -> None:
        if fp.json:
            raise PodError("JSON manifest: --move-secrets appends YAML documents; "
                            "convert the file to YAML first")
        opts = self.options
        if not opts.as_env:
            found = self._without_referenced(obj, found)
            if not found:
                return
        ns = obj.ref.namespace
        spec = pod.spec.data or {}
        pre = obj.path  # the object's place in its document
        edits: list[Edit] = []
        extra: list[tuple[Loc, list[Edit]]] = []

        # the ServiceAccount
        current = spec.get("serviceAccountName") or spec.get("serviceAccount")
        if opts.service_account:
            account = opts.service_account
        elif isinstance(current, str) and current and current != "default":
            account = current
        else:
            account = obj.name
            if not valid_object_name(account):
                raise PodError("no ServiceAccount name to use: pass --service-account")
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
                elif not same(have, want):
                    raise PodError(f'ServiceAccount "{account}" already has another {key}: '
                                    "pass --service-account to use another one")
            if sa_edits:
                if sa_loc.file.json:
                    raise PodError(f'ServiceAccount "{account}" is in a JSON file: annotate it by hand')
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
            volume = unique(VOLUME_NAME, taken)
            edits.append(Edit.add((*pre, *pod.spec.path, "volumes"), {
                "name": volume,
                "csi": {"driver": CSI_DRIVER, "readOnly": True,
                        "volumeAttributes": {"secretProviderClass": target.name}},
            }))

        moved: list[Moved] = []
        names_here: dict[str, str] = {}  # object name -> value, new in this pod
        by_container: dict[FieldPath, list[FieldPath]] = {}
        for path in sorted(found, key=lambda p: tuple(str(x) for x in p)):
            by_container.setdefault(path[:-3], []).append(path)
        for cpath, paths in by_container.items():
            container = get_at(obj.data, cpath)
            cname = str(container.get("name") or "")
            mounts = container.get("volumeMounts") if isinstance(container.get("volumeMounts"), list) else []
            mount_path = None
            for m in mounts:
                if isinstance(m, dict) and m.get("name") == volume:
                    mount_path = str(m.get("mountPath"))
            if mount_path is None:
                used = {str(m.get("mountPath")) for m in mounts if isinstance(m, dict)}
                mount_path = MOUNT_PATH if MOUNT_PATH not in used else unique(MOUNT_PATH, used)
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
                object_name = self.object_for.get(value) or next(
                    (n for n, v in names_here.items() if v == value), "")
                if not object_name:
                    parts = (obj.name, var) if cname in ("", obj.name) else (obj.name, cname, var)
                    object_name = self._object_name(*parts, taken=names_here)
                base = (*pre, *cpath, "env", j)
                if opts.as_env:
                    edits.append(Edit.set((*base, "valueFrom"),
                                          {"secretKeyRef": {"name": target.sync_secret, "key": object_name}}))
                else:
                    new_var = f"{var}_FILE"
                    if new_var in env_names:
                        raise PodError(f'container "{cname}" already sets {new_var}: move env "{var}" by hand')
                    env_names.add(new_var)
                    edits.append(Edit.set((*base, "name"), new_var))
                    edits.append(Edit.set((*base, "value"), f"{mount_path.rstrip('/')}/{object_name}"))
                if opts.as_env:
                    edits.append(Edit.remove((*base, "value")))
                names_here[object_name] = value
                moved.append(Moved(fp.path, str(obj.ref), cname, var, found[path] or fingerprint(value),
                                   object_name, target.name, render(path),
                                   var if opts.as_env else f"{var}_FILE"))

        names = list(dict.fromkeys([*target.added, *names_here]))
        if objects_text(target.objects_text, target.entries,
                         [f"objectName: {n}\nobjectType: secret\n" for n in names]) is None:
            raise PodError(f'SecretProviderClass "{target.name}": cannot extend its objects parameter')
        # commit: nothing above changed shared state
        for loc, loc_edits in extra:
            loc.file.edits.setdefault(loc.doc, []).extend(loc_edits)
        if new_sa is not None:
            self.accounts[(ns, account)] = Loc(fp, -1, (), new_sa, new=True)
            fp.new_docs.append(new_sa)
        if spc_new:
            self.targets[ns] = target
            fp.new_docs.append(target.loc.data)
        for object_name, value in names_here.items():
            self.used_names.add(object_name)
            plan.values[object_name] = value
            self.object_for.setdefault(value, object_name)
            if object_name not in target.added:
                target.added.append(object_name)
        fp.edits.setdefault(doc, []).extend(edits)
        plan.moved.extend(moved)
        self._write_spc(target)

    def _without_referenced(self, obj: KubeObject, found: dict[FieldPath, str]) -> dict[FieldPath, str]:
        """``found`` less the variables their container expands as ``$(NAME)``: renaming
        them to ``NAME_FILE`` would break that (they are listed as left, with why)."""
        kept: dict[FieldPath, str] = {}
        for path, secret in found.items():
            container, index = get_at(obj.data, path[:-3]), path[-2]
            if not isinstance(container, dict) or not isinstance(index, int):
                kept[path] = secret
                continue
            entry = container.get("env", [])[index]
            var = str(entry.get("name") or "") if isinstance(entry, dict) else ""
            if var and _refers_to(container, var, index):
                self.referenced[(str(obj.ref), render(path))] = var
            else:
                kept[path] = secret
        return kept

    def _object_name(self, *parts: str, taken: Container[str] = ()) -> str:
        base = secret_name(*parts)
        name, n = base, 1
        while name in self.used_names or name in self.plan_ref.values or name in taken:
            n += 1
            name = f"{base}-{n}"
        return name

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
                    text = append_documents(text, fp.new_docs, fp.path)
            except yamlfile.FixRefused as exc:
                plan.errors.append(InputError(fp.path, exc.line, f"not rewritten: {exc}"))
                failed.add(fp.path)
                continue
            problem = writable.problem(fp.path) if self.writing and text != fp.text else ""
            if problem:
                plan.errors.append(InputError(fp.path, 0, f"{problem}: not changed"))
                failed.add(fp.path)
                continue
            fp.fixed_text = text
        return failed


def _refers_to(container: dict[str, Any], var: str, own: int) -> bool:
    """Whether the container expands ``$(var)`` in its command, args or another env value
    (Kubernetes' dependent-variable syntax; ``$$(var)`` is an escaped literal)."""
    pattern = re.compile(r"(?<!\$)\$\(" + re.escape(var) + r"\)")
    texts = [*(container.get("command") or []), *(container.get("args") or [])]
    texts += [e.get("value") for i, e in enumerate(container.get("env") or [])
              if isinstance(e, dict) and i != own]
    return any(isinstance(t, str) and pattern.search(t) for t in texts)


def _doc(fp: FilePlan, index: int) -> yamlload.Document:
    return next(d for d in fp.docs if d.index == index)
