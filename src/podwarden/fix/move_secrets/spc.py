"""The SecretProviderClass side of the move: the class each namespace's pods mount (an
existing one for the same vault and identity, else a new one), the objects added to it,
the Secret it syncs with ``--as-env``, and the ServiceAccount a pod is given."""

from __future__ import annotations

from typing import Any

import yaml

from podwarden.fix.move_secrets.documents import objects_text
from podwarden.fix.move_secrets.model import (
    CLIENT_ID,
    SPC_API,
    TENANT_ID,
    FilePlan,
    Loc,
    Options,
    Plan,
    PodError,
    Spc,
    same,
    secret_name,
    unique,
)
from podwarden.model.edits import Edit


class SpcWriter:
    """What ``Mover`` does to SecretProviderClasses and ServiceAccounts (a mixin: the state
    is the plan's, set up by ``Mover._plan_into``)."""

    options: Options
    #: every SecretProviderClass of the input (and those added), by (namespace, name)
    spcs: dict[tuple[str | None, str], Loc]
    #: the SecretProviderClass chosen for each namespace
    targets: dict[str | None, Spc]
    plan_ref: Plan

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

    def _target(self, ns: str | None, fp: FilePlan) -> tuple[Spc, bool]:
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
            if not same(params.get("keyvaultName"), opts.keyvault):
                continue
            if not same(params.get("clientID"), opts.client_id):
                continue
            if any(str(params.get(k, "")).strip().lower() in ("true", "1", "t")
                   for k in ("usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy")):
                continue
            objects = params.get("objects")
            entries = self._array(objects)
            if entries is None:
                raise PodError(f'SecretProviderClass "{name}" has an objects parameter that does not '
                                "parse: fix it first")
            if loc.file.json:
                raise PodError(f'SecretProviderClass "{name}" is in a JSON file: extend it by hand')
            spc = Spc(loc, name, ns, entries, str(objects))
            self.targets[ns] = spc
            return spc, False
        taken = {name for (spc_ns, name) in self.spcs if spc_ns == ns}
        name = unique(secret_name(opts.keyvault, "kv"), taken)
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
        loc = Loc(fp, -1, (), data, new=True)
        self.spcs[(ns, name)] = loc
        return Spc(loc, name, ns, [], ""), True

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

    def _write_spc(self, spc: Spc) -> None:
        """Put ``spc``'s added objects into its data (new) or its file's edits (existing)."""
        new_entries = [f"objectName: {n}\nobjectType: secret\n" for n in spc.added]
        text = objects_text(spc.objects_text, spc.entries, new_entries)
        if text is None:
            raise PodError(f'SecretProviderClass "{spc.name}": cannot extend its objects parameter')
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

    def _note_sync(self, spc: Spc) -> None:
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
