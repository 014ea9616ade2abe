"""A read-only Kubernetes API client: kubeconfig or in-cluster config, paged lists, clear errors.

lightkube does the part that is easy to get wrong: reading kubeconfig (contexts, client
certificates, bearer tokens, exec plugins such as ``kubelogin``), in-cluster service
account config (re-reading the rotated token), TLS.  Requests are raw GETs on its HTTP
client so objects arrive exactly as the API serves them (plain dicts, every field kept),
as the rules expect them from manifests.

Only ``GET`` is ever sent.  Lists are paged with ``limit`` and ``continue``; a ``410
Gone`` (the continue token expired, after about five minutes) restarts that list from
the beginning, so no object is seen twice.  Secrets are listed as
``PartialObjectMetadataList``: the server sends names, labels and annotations only, and
their values never reach this process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from lightkube.config import client_adapter
from lightkube.config.kubeconfig import KubeConfig, SingleConfig
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from podwarden.errors import PodwardenError

#: asks the API server for object metadata only (names, labels, annotations, owners)
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
DEFAULT_PAGE_SIZE = 500
#: how many times an expired continue token may restart one list
MAX_RESTARTS = 3
IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class ClusterError(PodwardenError):
    """The cluster cannot be audited (unreachable, credentials refused, ...): exit 2."""


class Forbidden(ClusterError):
    """RBAC denies a list (403); the audit goes on without that resource type."""


class NotFound(ClusterError):
    """The resource type is not served (404): a CRD that is not installed."""


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource type to list: where it lives in the API and what kind its items are."""

    group_version: str  # "v1", "apps/v1", "secrets-store.csi.x-k8s.io/v1"
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def prefix(self) -> str:
        return "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"

    def path(self, namespace: str | None = None) -> str:
        """The collection URL: cluster-wide, or in one namespace."""
        if namespace is not None and self.namespaced:
            return f"{self.prefix}/namespaces/{namespace}/{self.plural}"
        return f"{self.prefix}/{self.plural}"


def load_config(kubeconfig: str | None = None, context: str | None = None,
                in_cluster: bool = False) -> SingleConfig:
    """The connection settings: ``--kubeconfig``/``$KUBECONFIG``/``~/.kube/config`` with
    ``--context``, or the pod's service account when in a cluster (or asked to)."""
    try:
        if in_cluster:
            return _single(KubeConfig.from_service_account(IN_CLUSTER_DIR), None)
        if kubeconfig is None and not os.environ.get("KUBECONFIG") and context is None \
                and os.environ.get("KUBERNETES_SERVICE_HOST") \
                and os.path.exists(os.path.join(IN_CLUSTER_DIR, "token")) \
                and not os.path.exists(os.path.expanduser("~/.kube/config")):
            return _single(KubeConfig.from_service_account(IN_CLUSTER_DIR), None)
        path = kubeconfig or _first_kubeconfig()
        return _single(KubeConfig.from_file(path), context)
    except LightkubeConfigError as exc:
        raise ClusterError(f"kubeconfig: {exc}") from None
    except KeyError as exc:  # a context naming a cluster or user that is not defined
        raise ClusterError(f"kubeconfig: context refers to undefined {exc}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(f"kubeconfig: cannot read it: {exc}") from None


def _first_kubeconfig() -> str:
    env = os.environ.get("KUBECONFIG", "")
    for part in env.split(os.pathsep):
        if part:
            return part
    return "~/.kube/config"


def _single(config: KubeConfig, context: str | None) -> SingleConfig:
    single = config.get(context)
    if single is None:  # pragma: no cover - get() raises rather than return None without default
        raise ClusterError("kubeconfig: no current context; pass --context")
    return single


class Client:
    """GET-only access to one API server."""

    def __init__(self, config: SingleConfig, page_size: int = DEFAULT_PAGE_SIZE,
                 timeout: float = 30.0) -> None:
        self.server = config.cluster.server
        self.context = config.context_name
        self.page_size = page_size
        params = client_adapter.ConnectionParams(timeout=httpx2.Timeout(timeout), trust_env=False)
        try:
            self._http = client_adapter.Client(config, params)
        except LightkubeConfigError as exc:
            raise ClusterError(f"kubeconfig: {exc}") from None
        except (OSError, ValueError) as exc:  # unreadable CA or client certificate
            raise ClusterError(f"kubeconfig: cannot load TLS settings: {exc}") from None
        #: requests sent, by path (tests read it)
        self.requests: list[str] = []

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str] | None = None,
            accept: str = "application/json") -> dict[str, Any]:
        """One GET; the decoded JSON object, or a ClusterError saying what went wrong."""
        self.requests.append(path)
        try:
            response = self._http.get(path, params=params or {}, headers={"Accept": accept})
        except httpx2.TimeoutException:
            raise ClusterError(f"cannot reach the cluster at {self.server}: timed out") from None
        except httpx2.ConnectError as exc:
            raise ClusterError(f"cannot reach the cluster at {self.server}: {_reason(exc)}") from None
        except httpx2.HTTPError as exc:
            raise ClusterError(f"cannot talk to the cluster at {self.server}: {_reason(exc)}") from None
        except LightkubeConfigError as exc:  # an exec credential plugin failed
            raise ClusterError(f"cannot get credentials for context {self.context!r}: {exc}") from None
        if response.status_code >= 400:
            raise self._status_error(path, response.status_code, response.content)
        try:
            data = json.loads(response.content)
        except ValueError:
            raise ClusterError(f"{self.server}{path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise ClusterError(f"{self.server}{path}: the answer is not a JSON object")
        return data

    def list(self, resource: Resource, namespace: str | None = None, metadata_only: bool = False,
             on_page: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """Every object of a collection, paged; each item gets its ``apiVersion`` and ``kind``
        (list items are served without them).  ``metadata_only`` objects carry metadata only."""
        path = resource.path(namespace)
        accept = METADATA_ONLY if metadata_only else "application/json"
        for _attempt in range(MAX_RESTARTS + 1):
            items: list[dict[str, Any]] = []
            token = ""
            try:
                while True:
                    params = {"limit": str(self.page_size)}
                    if token:
                        params["continue"] = token
                    page = self.get(path, params, accept)
                    got = page.get("items") or []
                    if not isinstance(got, list):
                        raise ClusterError(f"{self.server}{path}: 'items' is not a list")
                    items.extend(_typed(item, resource, metadata_only) for item in got if isinstance(item, dict))
                    if on_page:
                        on_page(len(got))
                    meta = page.get("metadata")
                    token = str(meta.get("continue") or "") if isinstance(meta, dict) else ""
                    if not token:
                        return items
            except _Expired:
                continue  # the continue token expired: list again from the start
        raise ClusterError(f"{self.server}{path}: the list kept expiring before it completed "
                           f"({MAX_RESTARTS} restarts); try a larger page size")

    def server_minor(self) -> int | None:
        """The API server's Kubernetes minor version (``/version``), None when unknown."""
        try:
            data = self.get("/version")
        except (Forbidden, NotFound):
            return None
        minor = str(data.get("minor", "")).rstrip("+")
        return int(minor) if minor.isdigit() else None

    def _status_error(self, path: str, code: int, body: bytes) -> ClusterError:
        status = _status(body)
        message = str(status.get("message") or "").strip()
        reason = str(status.get("reason") or "")
        if code == 410 or reason == "Expired":
            return _Expired(message)
        if code == 401:
            return ClusterError(
                f"the cluster at {self.server} refused the credentials of context {self.context!r} "
                "(401 Unauthorized): they are missing or expired; log in again "
                "(e.g. az aks get-credentials, kubelogin)"
            )
        if code == 403:
            return Forbidden(message or f"forbidden: {path}")
        if code == 404:
            return NotFound(message or f"not found: {path}")
        detail = f": {message}" if message else ""
        return ClusterError(f"{self.server}{path}: HTTP {code} {reason}{detail}".rstrip())


class _Expired(ClusterError):
    """410 Gone: a continue token too old to finish the list consistently."""


def _status(body: bytes) -> dict[str, Any]:
    """The ``Status`` object of an error answer, or {} when the body is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) and data.get("kind") == "Status" else {}


def _typed(item: dict[str, Any], resource: Resource, metadata_only: bool) -> dict[str, Any]:
    """A list item as a whole object: the resource's apiVersion and kind, and for
    metadata-only lists nothing but the metadata (anything else is dropped unread)."""
    if metadata_only:
        meta = item.get("metadata")
        return {"apiVersion": resource.group_version, "kind": resource.kind,
                "metadata": meta if isinstance(meta, dict) else {}}
    item["apiVersion"] = resource.group_version
    item["kind"] = resource.kind
    return item


def _reason(exc: Exception) -> str:
    """The innermost readable reason of a connection error ("connection refused")."""
    text = str(exc).strip()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not text:
        text = str(cause).strip()
        cause = cause.__cause__ or cause.__context__
    text = text.removeprefix("[Errno 111] ").strip()
    return (text or type(exc).__name__).splitlines()[0]

