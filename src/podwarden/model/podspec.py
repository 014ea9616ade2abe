"""One view of a pod, whatever object carries it (Pod, Deployment, CronJob, PodTemplate ...).

``PodView`` knows the path of its spec (``spec``, ``spec.template.spec``,
``spec.jobTemplate.spec.template.spec``) so every field it hands out carries the path a
user can find in the file.  ``ContainerView`` resolves effective settings: a container's
``securityContext`` overrides the pod's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from podwarden.model.paths import FieldPath

if TYPE_CHECKING:  # objects builds views (KubeObject.pod): here they are only types
    from podwarden.model.objects import KubeObject, Node

#: where the pod template sits in each pod-bearing kind (as Pod Security Admission reads it)
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

#: API groups whose objects of those kinds are the built-in ones (a CRD may reuse a kind name)
POD_API_GROUPS = frozenset({"", "apps", "extensions", "batch"})

#: the three container lists, in the order Pod Security Admission visits them
CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")

#: volume sources Kubernetes knows; a volume with none of them is defaulted to emptyDir
VOLUME_SOURCES = frozenset(
    {
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",
        "secret", "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume",
        "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
        "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    }
)


_LIST_WORDS = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}


class ContainerView:
    """One container, init container or ephemeral container of a pod."""

    __slots__ = ("_described", "index", "list_name", "name", "node", "pod", "security_context")

    def __init__(self, pod: PodView, node: Node, list_name: str, index: int) -> None:
        self.pod = pod
        self.node = node
        self.list_name = list_name
        self.index = index
        self.name: str = node.str("name") or ""
        self.security_context: Node = node.map("securityContext")
        self._described = f'{_LIST_WORDS.get(list_name, "container")} "{self.name}"'

    def __repr__(self) -> str:
        return f"ContainerView({self.describe()})"

    @property
    def path(self) -> FieldPath:
        return self.node.path

    def effective(self, key: str) -> tuple[Any, FieldPath]:
        """A securityContext field as it applies: the container's, else the pod's.

        Returns the value (None when set nowhere) and the path that decided it; when set
        nowhere, the path is the container's, where a fix would write it.
        """
        own = self.security_context
        value = own.data.get(key)
        if value is not None:
            return value, own.path + (key,)  # noqa: RUF005 - faster than unpacking
        pod_sc = self.pod.security_context
        value = pod_sc.data.get(key)
        if value is not None:
            return value, pod_sc.path + (key,)  # noqa: RUF005
        return None, own.path + (key,)  # noqa: RUF005

    def describe(self) -> str:
        """``container "app"``, ``init container "setup"``, ``ephemeral container "debug"``."""
        return self._described


class PodView:
    """The pod spec and pod metadata of a pod-bearing object."""

    __slots__ = ("_annotations", "_containers", "_contexts", "_labels", "_volumes", "_windows", "metadata", "obj",
                 "patch", "security_context", "spec", "template")

    def __init__(self, obj: KubeObject, template_path: tuple[str, ...]) -> None:
        self.obj = obj
        node = obj.root
        for key in template_path:
            node = node.map(key)
        self.template = node
        self.spec = node.map("spec")
        self.metadata = node.map("metadata")
        self.security_context = self.spec.map("securityContext")
        self._containers: list[ContainerView] | None = None
        self._contexts: list[tuple[str, Node]] | None = None
        self._windows: bool | None = None
        self._labels: dict[str, str] | None = None
        self._annotations: dict[str, str] | None = None
        self._volumes: list[Node] | None = None
        #: a pod spec without containers (a kustomize patch): only the fields it sets count
        self.patch = False

    @property
    def kind(self) -> str:
        return self.obj.kind

    @property
    def annotations(self) -> dict[str, str]:
        """The pod's own annotations (for workloads: the template's, as PSA reads them)."""
        annotations = self._annotations
        if annotations is None:
            annotations = self._annotations = self.metadata.str_map("annotations")
        return annotations

    @property
    def labels(self) -> dict[str, str]:
        labels = self._labels
        if labels is None:
            labels = self._labels = self.metadata.str_map("labels")
        return labels

    @property
    def is_windows(self) -> bool:
        """Only ``spec.os.name: windows`` counts; a nodeSelector exempts nothing."""
        windows = self._windows
        if windows is None:
            os_node = self.spec.map_if_set("os")
            windows = self._windows = os_node is not None and os_node.raw("name") == "windows"
        return windows

    @property
    def host_users_false(self) -> bool:
        """True only for an explicit ``hostUsers: false`` (a user-namespaced pod)."""
        return self.spec.bool("hostUsers") is False

    def containers(self) -> list[ContainerView]:
        """Init, regular and ephemeral containers, in that order."""
        if self._containers is None:
            self._containers = [
                ContainerView(self, node, list_name, i)
                for list_name in CONTAINER_KINDS
                for i, node in enumerate(self.spec.maps(list_name))
            ]
        return self._containers

    def volumes(self) -> list[Node]:
        """The pod's volumes (listed once: rules ask for them 13 times a pod on average)."""
        volumes = self._volumes
        if volumes is None:
            volumes = self._volumes = self.spec.maps("volumes")
        return volumes

    def volume_source(self, volume: Node) -> str:
        """The source type of a volume; none given means emptyDir, as API defaulting does."""
        for key in volume.data:
            if key in VOLUME_SOURCES and volume.data[key] is not None:
                return key
        for key in volume.data:
            if key != "name":
                return key
        return "emptyDir"

    def release(self) -> None:
        """Drop the container views (they point back at this view)."""
        self._containers = None
        self._contexts = None

    def iter_security_contexts(self) -> Iterator[tuple[str, Node]]:
        """``("pod", pod securityContext)`` then each container's, described (listed once)."""
        contexts = self._contexts
        return iter(contexts) if contexts is not None else self._first_security_contexts()

    def _first_security_contexts(self) -> Iterator[tuple[str, Node]]:
        # the pod's first, before the containers are read: a container of the wrong shape
        # (ShapeError) still lets a rule report the pod's own context
        yield "pod", self.security_context
        contexts = [("pod", self.security_context)]
        contexts.extend((c.describe(), c.security_context) for c in self.containers())
        self._contexts = contexts
        yield from contexts[1:]


def pod_view(obj: KubeObject) -> PodView | None:
    """The PodView of a pod-bearing object, else None.

    A pod spec without any container list is no pod Kubernetes would run but a patch
    (kustomize, partial overlays): its view has ``patch`` set, so that only the fields it
    sets are judged.  An object without a pod spec at all (a ``replicas`` patch) has none.
    """
    template_path = POD_TEMPLATE_PATHS.get(obj.kind)
    api_version = obj.ref.api_version
    if template_path is None or not api_version:
        return None
    group = api_version.rpartition("/")[0]
    if group not in POD_API_GROUPS:
        return None
    view = PodView(obj, template_path)
    spec = view.spec.data
    for kind in CONTAINER_KINDS:
        if spec.get(kind) is not None:
            return view
    if not spec:
        return None
    view.patch = True
    return view
