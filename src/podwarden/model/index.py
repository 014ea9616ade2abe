"""Cross-resource index: the objects of one run by kind, namespace and name.

Rules that span objects ask it for "the ServiceAccount of this pod" or "the
SecretProviderClass this volume names", with Kubernetes' defaulting applied (namespace
``default``, service account ``default``).  Only the kinds such rules need are indexed,
so the index stays small however large the run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from podwarden.model.objects import KubeObject
from podwarden.model.podspec import PodView

#: kinds worth indexing; rules needing another kind add it here
INDEX_KINDS = frozenset({"Namespace", "ServiceAccount", "SecretProviderClass", "ConfigMap", "Secret"})

DEFAULT_SERVICE_ACCOUNT = "default"

DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True, slots=True)
class Entry:
    """An indexed object and the file it came from."""

    obj: KubeObject
    file: str


class Index:
    """Objects by (kind, namespace, name); cluster-scoped objects have namespace None."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str | None, str], Entry] = {}
        self._by_kind: dict[str, list[Entry]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[Entry]] = defaultdict(list)

    def add(self, obj: KubeObject, file: str) -> None:
        """Index ``obj`` if its kind is one rules ask about."""
        if obj.kind not in INDEX_KINDS:
            return
        namespace = None if obj.kind == "Namespace" else (obj.ref.namespace or None)
        entry = Entry(obj, file)
        self._by_key[(obj.kind, namespace, obj.name)] = entry
        self._by_kind[obj.kind].append(entry)
        self._by_name[(obj.kind, obj.name)].append(entry)

    def get(self, kind: str, namespace: str | None, name: str) -> Entry | None:
        """An object by kind, namespace and name; None namespace for cluster scope.

        Namespaced objects written without a namespace match any namespace asked for:
        manifests applied with ``kubectl -n`` often omit it.
        """
        found = self._by_key.get((kind, namespace, name))
        if found is None and namespace is not None:
            found = self._by_key.get((kind, None, name))
        return found

    def of_kind(self, kind: str) -> list[Entry]:
        return list(self._by_kind.get(kind, ()))

    def lookup(self, kind: str, referrer: KubeObject, name: str) -> Entry | None:
        """The object ``referrer`` names, in the referrer's namespace.

        A referrer written without a namespace lands wherever it is applied, so any
        namespace will do for it (``default`` first); one with a namespace only sees its own.
        """
        found = self.get(kind, namespace_of(referrer), name)
        if found is None and not referrer.ref.namespace:
            same_name = self._by_name.get((kind, name))
            found = same_name[0] if same_name else None
        return found

    def elsewhere(self, kind: str, referrer: KubeObject, name: str) -> list[Entry]:
        """Objects named ``name`` in namespaces other than the referrer's (none found there)."""
        if self.lookup(kind, referrer, name) is not None:
            return []
        return list(self._by_name.get((kind, name), ()))

    def service_account_of(self, pod: PodView) -> tuple[str, Entry | None]:
        """The name of a pod's ServiceAccount (defaulted) and its entry when indexed."""
        name = service_account_name(pod)
        return name, self.lookup("ServiceAccount", pod.obj, name)

    def namespace_entry(self, obj: KubeObject) -> Entry | None:
        """The Namespace object an object lands in, when indexed."""
        return self.get("Namespace", None, namespace_of(obj))

    def __len__(self) -> int:
        return len(self._by_key)


def namespace_of(obj: KubeObject) -> str:
    """The namespace an object lands in when applied without ``-n``."""
    return obj.ref.namespace or DEFAULT_NAMESPACE


def service_account_name(pod: PodView) -> str:
    """``spec.serviceAccountName``, else the legacy ``spec.serviceAccount``, else ``default``."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = pod.spec.raw(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_SERVICE_ACCOUNT
