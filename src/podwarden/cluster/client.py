"""A read-only Kubernetes API client: kubeconfig or in-cluster config, paged lists, retries
as client-go does them, clear errors.

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

A busy or failing API server is retried, as client-go retries: ``429 Too Many Requests``
(API Priority and Fairness) after the ``Retry-After`` it names; connection errors, bodies
cut short, ``5xx`` answers and timeouts after an exponential backoff with full jitter.
Retrying one request stops at its own deadline (``RetryPolicy.request_deadline``) and no
retry starts after the audit's deadline (``RetryPolicy.deadline``).  A failed page is asked
for again with the same continue token, so a list goes on where it stopped.  A server
that never answered (connection refused, unknown host) is not retried: it is unreachable.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
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
DEFAULT_REQUEST_TIMEOUT = 30.0
#: a page of a list, as the API serves it
Items = list[dict[str, Any]]
#: how many times an expired continue token may restart one list
MAX_RESTARTS = 3
IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class ClusterError(PodwardenError):
    """The cluster cannot be audited (unreachable, credentials refused, ...): exit 2."""


class Forbidden(ClusterError):
    """RBAC denies a list (403); the audit goes on without that resource type."""


class GaveUp(ClusterError):
    """A request kept failing until its deadline (or a list kept expiring): what it was
    for is missing, and the audit says so."""


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


def context_names(kubeconfig: str | None = None) -> list[str]:
    """Every context of the kubeconfig, in the order written (``--all-contexts``)."""
    try:
        return list(KubeConfig.from_file(kubeconfig or _first_kubeconfig()).contexts)
    except LightkubeConfigError as exc:
        raise ClusterError(f"kubeconfig: {exc}") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
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


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait for and retry the API server (the audit's ``--request-timeout``,
    ``--request-deadline`` and ``--deadline``)."""

    #: one attempt: connecting, and the whole answer (a trickling body counts too)
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    #: one request, all its attempts: retried until this many seconds after the first
    request_deadline: float = 120.0
    #: no retry starts (or waits) beyond this many seconds after the client was made
    deadline: float = 900.0
    #: backoff before retry n (1, 2, ...): uniform in [0, min(cap, base * 2**(n-1))]
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


#: statuses worth asking again: throttled, and the server's own failures (not 501)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _Transient(Exception):
    """An attempt failed in a way a retry may cure."""

    def __init__(self, cause: str, retry_after: float | None = None, detail: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.retry_after = retry_after
        self.detail = detail


class Retries:
    """What was retried, by cause, for the ``warning:`` summary (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_cause: Counter[str] = Counter()
        self.waited = 0.0
        #: lists asked again from the start (expired continue token)
        self.restarts = 0

    def add(self, cause: str, waited: float) -> None:
        with self._lock:
            self.by_cause[cause] += 1
            self.waited += waited

    def restarted(self) -> None:
        with self._lock:
            self.restarts += 1

    def summary(self) -> str:
        """One line, or '' when nothing was retried."""
        if not self.by_cause and not self.restarts:
            return ""
        parts = [f"{cause} x{n}" for cause, n in sorted(self.by_cause.items())]
        text = ""
        if parts:
            total = sum(self.by_cause.values())
            text = (f"the API server was busy or failing: {total} request(s) retried "
                    f"({', '.join(parts)}; {self.waited:.1f} s waited)")
        if self.restarts:
            text += ("; " if text else "") + (f"{self.restarts} list(s) restarted from the beginning "
                                              "(continue token expired)")
        return text + "; every list retried completed"


class Client:
    """GET-only access to one API server, safe to share between threads."""

    def __init__(self, config: SingleConfig, page_size: int = DEFAULT_PAGE_SIZE,
                 timeout: float | None = None, policy: RetryPolicy | None = None) -> None:
        self.server = config.cluster.server
        self.context = config.context_name
        self.page_size = page_size
        self.policy = policy or RetryPolicy(request_timeout=timeout or DEFAULT_REQUEST_TIMEOUT)
        self._started = time.monotonic()
        params = client_adapter.ConnectionParams(timeout=httpx2.Timeout(self.policy.request_timeout),
                                                 trust_env=False)
        try:
            self._http = client_adapter.Client(config, params)
        except LightkubeConfigError as exc:
            raise ClusterError(f"kubeconfig: {exc}") from None
        except (OSError, ValueError) as exc:  # unreadable CA or client certificate
            raise ClusterError(f"kubeconfig: cannot load TLS settings: {exc}") from None
        #: requests sent, by path (tests and the benchmark read it)
        self.requests: list[str] = []
        self.retries = Retries()
        self._answered = False
        self._random = random.Random()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str] | None = None,
            accept: str = "application/json") -> dict[str, Any]:
        """One GET, retried while the server is busy or failing; the decoded JSON object,
        or a ClusterError saying what went wrong."""
        first = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(path, params or {}, accept)
            except _Transient as failure:
                wait = failure.retry_after if failure.retry_after is not None else self._backoff(attempt)
                now = time.monotonic()
                give_up = min(first + self.policy.request_deadline, self._started + self.policy.deadline)
                if now + wait > give_up:
                    detail = f": {failure.detail}" if failure.detail else ""
                    raise GaveUp(
                        f"{self.server}{path}: {failure.cause}{detail} (gave up after {attempt} "
                        f"attempt{'s' if attempt != 1 else ''} over {now - first:.0f} s)") from None
                self.retries.add(failure.cause, wait)
                time.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    def _attempt(self, path: str, params: dict[str, str], accept: str) -> dict[str, Any]:
        self.requests.append(path)
        limit = time.monotonic() + self.policy.request_timeout
        try:
            with self._http.stream("GET", path, params=params, headers={"Accept": accept}) as response:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > limit:
                        raise _Transient("timed out")
                body = b"".join(chunks)
                code = response.status_code
                headers = response.headers
        except httpx2.TimeoutException as exc:
            if not self._answered and isinstance(exc, httpx2.ConnectTimeout):
                raise ClusterError(f"cannot reach the cluster at {self.server}: timed out") from None
            raise _Transient("timed out") from None
        except httpx2.ConnectError as exc:
            if not self._answered:
                raise ClusterError(f"cannot reach the cluster at {self.server}: {_reason(exc)}") from None
            raise _Transient("connection refused or reset", detail=_reason(exc)) from None
        except (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.WriteError, httpx2.CloseError) as exc:
            raise _Transient("connection dropped", detail=_reason(exc)) from None
        except httpx2.HTTPError as exc:
            raise ClusterError(f"cannot talk to the cluster at {self.server}: {_reason(exc)}") from None
        except LightkubeConfigError as exc:  # an exec credential plugin failed
            raise ClusterError(f"cannot get credentials for context {self.context!r}: {exc}") from None
        self._answered = True
        if code in RETRY_STATUSES:
            cause = "429 Too Many Requests" if code == 429 else f"HTTP {code}"
            raise _Transient(cause, _retry_after(headers.get("Retry-After")))
        if code >= 400:
            raise self._status_error(path, code, body)
        try:
            data = json.loads(body)
        except ValueError:
            # a body cut short (no Content-Length to tell) reads as broken JSON
            raise _Transient("truncated or malformed body") from None
        if not isinstance(data, dict):
            raise ClusterError(f"{self.server}{path}: the answer is not a JSON object")
        return data

    def list(self, resource: Resource, namespace: str | None = None, metadata_only: bool = False,
             on_page: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """Every object of a collection, paged; each item gets its ``apiVersion`` and ``kind``
        (list items are served without them).  ``metadata_only`` objects carry metadata only."""
        items: list[dict[str, Any]] = []

        def restart() -> None:
            items.clear()

        def sink(page: list[dict[str, Any]]) -> None:
            items.extend(page)
            if on_page:
                on_page(len(page))

        self.list_into(resource, namespace, metadata_only, sink, restart)
        return items

    def list_into(self, resource: Resource, namespace: str | None, metadata_only: bool,
                  sink: Callable[[Items], None], restart: Callable[[], None]) -> None:
        """Hand every page of a collection to ``sink`` as it arrives (items typed and
        slimmed: no ``managedFields``, no ``status``); ``restart()`` is called before a list
        starts again from the beginning, so the sink can drop what it was given."""
        path = resource.path(namespace)
        accept = METADATA_ONLY if metadata_only else "application/json"
        for attempt in range(MAX_RESTARTS + 1):
            if attempt:
                restart()
                self.retries.restarted()
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
                    sink([_typed(item, resource, metadata_only) for item in got if isinstance(item, dict)])
                    del got, page["items"]
                    meta = page.get("metadata")
                    token = str(meta.get("continue") or "") if isinstance(meta, dict) else ""
                    if not token:
                        return
            except _Expired:
                continue  # the continue token expired: list again from the start
        raise GaveUp(f"{self.server}{path}: the list kept expiring before it completed "
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


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the API server sends whole seconds); None when absent or
    not a number (an HTTP date: back off instead)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(max(seconds, 0.0), 600.0) if seconds == seconds else None


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
    meta = item.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)  # field ownership: large, and no rule reads it
    if metadata_only:
        return {"apiVersion": resource.group_version, "kind": resource.kind,
                "metadata": meta if isinstance(meta, dict) else {}}
    item.pop("status", None)  # what the cluster observes, not what was asked for
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

