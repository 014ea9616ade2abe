"""Kubernetes objects as read from a manifest, and typed access to their fields.

A ``Node`` wraps one mapping with the path it sits at.  Its getters check the type of the
field they read and raise ``ShapeError`` naming the path, so rules never test types and a
wrong type (``containers: "x"``) becomes one clear input error with its line.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any

from podwarden.model.paths import FieldPath, render
from podwarden.model.podspec import PodView, pod_view
from podwarden.model.record import Value


class ShapeError(Exception):
    """A field holds a value of the wrong type; the loader turns it into an InputError."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(f"{render(path)}: {message}")
        self.path = path
        self.message = message


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    float: "a number",
    list: "a list",
    dict: "a mapping",
}


def type_name(value: Any) -> str:
    """'a string', 'a list', ... for error messages."""
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


#: metadata the API server sets on each object it stores: a ReplicaSet's pods differ only
#: here, and these fields say nothing about the pod's security.  No rule reads them (the
#: credentials scan skips them too), so the webhook evaluates objects without them and
#: identical replicas share one cached evaluation that cannot differ from a fresh one.
PER_OBJECT_METADATA = frozenset(
    {"name", "uid", "creationTimestamp", "resourceVersion", "generation", "managedFields"}
)


def without_per_object_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """The object minus ``PER_OBJECT_METADATA`` (the object itself when it has none)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return obj
    kept = kept_metadata(meta)
    return obj if kept is meta else {**obj, "metadata": kept}


def kept_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` minus ``PER_OBJECT_METADATA``, in its order (itself when it has none)."""
    if PER_OBJECT_METADATA.isdisjoint(meta):
        return meta
    kept = meta.copy()
    for key in PER_OBJECT_METADATA.intersection(meta):
        del kept[key]
    return kept


class Node:
    """A mapping at a known path; absent mappings are empty Nodes that keep their path."""

    __slots__ = ("_children", "_lists", "_str_maps", "data", "path", "present")

    def __init__(self, data: dict[str, Any] | None, path: FieldPath) -> None:
        self.data: dict[str, Any] = data if data is not None else {}
        self.path = path
        self.present = data is not None
        self._children: dict[builtins.str, Node] | None = None
        self._lists: dict[builtins.str, list[Node]] | None = None
        self._str_maps: dict[builtins.str, dict[builtins.str, builtins.str]] | None = None

    def __repr__(self) -> str:
        return f"Node({render(self.path)!r})"

    def at(self, key: str) -> FieldPath:
        """Path of ``key`` inside this mapping."""
        return self.path + (key,)  # noqa: RUF005 - faster than unpacking: a path per Node

    def has(self, key: str) -> bool:
        """True when ``key`` is set to something other than null."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        """The value as written, unchecked (None when absent)."""
        return self.data.get(key)

    def _typed(self, key: str, kind: type | tuple[type, ...], expected: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ShapeError(self.at(key), f"expected {expected}, got {type_name(value)}")
        return value

    def bool(self, key: str) -> bool | None:
        """A boolean field, or None when unset."""
        value = self.data.get(key)
        if value is None or type(value) is builtins.bool:
            return value
        checked: bool | None = self._typed(key, bool, "a boolean")
        return checked

    def int(self, key: str) -> int | None:
        """An integer field, or None when unset."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ShapeError(self.at(key), f"expected an integer, got {type_name(value)}")
        return value

    def str(self, key: builtins.str) -> builtins.str | None:
        """A string field, or None when unset."""
        value = self.data.get(key)
        if value is None or type(value) is builtins.str:
            return value
        checked: builtins.str | None = self._typed(key, builtins.str, "a string")
        return checked

    def map(self, key: builtins.str) -> Node:
        """A nested mapping; an empty, absent Node when unset (built once per key)."""
        children = self._children
        if children is not None:
            child = children.get(key)
            if child is not None:
                return child
        else:
            children = self._children = {}
        value = self.data.get(key)
        if value is not None and type(value) is not dict:
            value = self._typed(key, dict, "a mapping")
        child = children[key] = Node(value, self.path + (key,))  # noqa: RUF005
        return child

    def map_if_set(self, key: builtins.str) -> Node | None:
        """A nested mapping, or None when unset (no empty Node is built for it)."""
        if self.data.get(key) is None:
            return None
        return self.map(key)

    def maps(self, key: builtins.str) -> list[Node]:
        """A list of mappings (containers, volumes, env ...); [] when unset (built once)."""
        lists = self._lists
        if lists is not None:
            found = lists.get(key)
            if found is not None:
                return found
        else:
            lists = self._lists = {}
        value = self.data.get(key)
        if value is not None and type(value) is not list:
            value = self._typed(key, list, "a list")
        out: list[Node] = []
        if value:
            base = self.path + (key,)  # noqa: RUF005
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    raise ShapeError((*base, i), f"expected a mapping, got {type_name(item)}")
                out.append(Node(item, base + (i,)))  # noqa: RUF005
        lists[key] = out
        return out

    def strs(self, key: builtins.str) -> list[builtins.str]:
        """A list of strings (capabilities, args ...); [] when unset."""
        value = self.data.get(key)
        if value is None:
            return []
        if type(value) is not list:
            value = self._typed(key, list, "a list")
        for i, item in enumerate(value):
            if not isinstance(item, builtins.str):
                raise ShapeError((*self.at(key), i), f"expected a string, got {type_name(item)}")
        return value

    def str_map(self, key: builtins.str) -> dict[builtins.str, builtins.str]:
        """A mapping of strings to strings (labels, annotations, data); {} when unset (checked once)."""
        checked = self._str_maps
        if checked is not None:
            found = checked.get(key)
            if found is not None:
                return found
        else:
            checked = self._str_maps = {}
        value = self.data.get(key)
        if value is None:
            return {}
        if type(value) is not dict:
            value = self._typed(key, dict, "a mapping")
        for v in value.values():
            if type(v) is not builtins.str and not isinstance(v, builtins.str):
                break
        else:
            checked[key] = value
            return value
        for k, v in value.items():
            if v is not None and not isinstance(v, builtins.str):
                raise ShapeError((*self.at(key), builtins.str(k)), f"expected a string, got {type_name(v)}")
        out = checked[key] = {k: v or "" for k, v in value.items()}  # JSON null decodes to "" in Kubernetes
        return out


class ObjectRef(Value):
    """Who an object is: what reports print and baselines key on.

    A value: never changed once made.  Not a frozen ``Record``, as ``Finding`` is not:
    every object read makes one, and plain assignment is the fastest constructor (a
    frozen one's four ``object.__setattr__`` calls cost more than the rest of it).
    """

    __slots__ = ("api_version", "kind", "name", "namespace")
    _fields = ("api_version", "kind", "namespace", "name")

    def __init__(self, api_version: str, kind: str, namespace: str | None, name: str) -> None:
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.name = name

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}" if self.name else self.kind

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form used by reports."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


class KubeObject:
    """One Kubernetes object of a document (the document itself or an item of a List).

    ``path`` is where the object sits in its document; every other path is relative to it.
    """

    __slots__ = ("_metadata", "_pod", "data", "kind", "memo", "name", "path", "ref", "root")

    def __init__(self, data: dict[str, Any], path: FieldPath = ()) -> None:
        self.data = data
        self.path = path
        self.root = Node(data, ())  # paths are relative to the object
        meta = data.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        namespace = meta.get("namespace")
        name = meta.get("name") or meta.get("generateName") or ""
        ref = self.ref = ObjectRef(
            str(data.get("apiVersion", "")),
            str(data.get("kind", "")),
            str(namespace) if namespace is not None else None,
            str(name),
        )
        # the ref's, as attributes: rules read the kind of every object several times
        self.kind = ref.kind
        self.name = ref.name
        self._pod: Any = False  # False: not built yet
        self._metadata: Node | None = None
        #: derived data rules may compute once per object (e.g. decoded string leaves)
        self.memo: dict[str, Any] = {}

    @property
    def metadata(self) -> Node:
        metadata = self._metadata
        if metadata is None:
            metadata = self._metadata = self.root.map("metadata")
        return metadata

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.str_map("labels")

    @property
    def annotations(self) -> dict[str, str]:
        return self.metadata.str_map("annotations")

    @property
    def pod(self) -> PodView | None:
        """The PodView of a pod-bearing object, else None (built once)."""
        pod: PodView | None = self._pod
        if pod is False:
            pod = self._pod = pod_view(self)
        return pod

    def release(self) -> None:
        """Break the object <-> pod view reference cycles once rules are done with it, so
        reference counting frees it at once and the cyclic collector has nothing to find
        (its runs were the admission webhook's longest pauses)."""
        pod = self._pod
        if pod:
            pod.release()
        self._pod = False
        self.memo.clear()

    def walk_strings(self) -> Iterator[tuple[FieldPath, str]]:
        """Every string leaf of the object with its path (keys are not leaves)."""
        stack: list[tuple[FieldPath, Any]] = [((), self.data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, str):
                yield path, value
            elif isinstance(value, dict):
                for k, v in reversed(list(value.items())):
                    stack.append(((*path, str(k)), v))
            elif isinstance(value, list):
                for i in range(len(value) - 1, -1, -1):
                    stack.append(((*path, i), value[i]))
