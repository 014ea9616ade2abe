"""A small read-only Kubernetes API client with a cache: namespaces and service accounts.

Only two calls are made, ``GET /api/v1/namespaces/{name}`` and
``GET /api/v1/namespaces/{ns}/serviceaccounts/{name}``, so the webhook's RBAC stays at
``get`` on those two resources.  Answers are cached for ``ttl`` seconds (misses for a
shorter time), concurrent look-ups of one object share one request, and the bearer
token file is re-read when it changes (bound tokens rotate).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
IN_CLUSTER_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


class KubeError(Exception):
    """The API could not answer (network, TLS, 5xx, 403 ...)."""


@dataclass(slots=True)
class _Entry:
    expires: float
    value: dict[str, Any] | None


class KubeClient:
    """GETs against the API server, cached; create and close inside the event loop."""

    def __init__(
        self,
        base_url: str,
        token_file: str | None = None,
        ca_file: str | None = None,
        ttl: float = 30.0,
        miss_ttl: float = 5.0,
        timeout: float = 2.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_file = token_file
        self.ttl = ttl
        self.miss_ttl = miss_ttl
        verify: ssl.SSLContext | bool = True
        if ca_file:
            verify = ssl.create_default_context(cafile=ca_file)
        self._http = httpx.AsyncClient(base_url=self.base_url, verify=verify, timeout=timeout)
        self._cache: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._token = ""
        self._token_stamp: tuple[float, int] | None = None
        #: requests actually sent (tests and metrics read it)
        self.requests = 0

    @classmethod
    def in_cluster(cls, **kw: Any) -> KubeClient | None:
        """The client a pod gets from its environment, or None outside a cluster."""
        host = os.environ.get("KUBERNETES_SERVICE_HOST")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host or not Path(IN_CLUSTER_TOKEN).exists():
            return None
        if ":" in host:
            host = f"[{host}]"
        return cls(f"https://{host}:{port}", IN_CLUSTER_TOKEN, IN_CLUSTER_CA, **kw)

    async def close(self) -> None:
        await self._http.aclose()

    # -- the two calls ------------------------------------------------------------------

    async def namespace(self, name: str) -> dict[str, Any] | None:
        return await self.get(f"/api/v1/namespaces/{quote(name, safe='')}")

    async def service_account(self, namespace: str, name: str) -> dict[str, Any] | None:
        return await self.get(
            f"/api/v1/namespaces/{quote(namespace, safe='')}/serviceaccounts/{quote(name, safe='')}"
        )

    # -- plumbing -----------------------------------------------------------------------

    async def get(self, path: str) -> dict[str, Any] | None:
        """The object at ``path``, None when it does not exist (404)."""
        entry = self._cache.get(path)
        now = time.monotonic()
        if entry is not None and entry.expires > now:
            return entry.value
        pending = self._inflight.get(path)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._inflight[path] = future
        try:
            value = await self._fetch(path)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiting callers re-raise it themselves
            raise
        finally:
            del self._inflight[path]
        future.set_result(value)
        self._cache[path] = _Entry(now + (self.ttl if value is not None else self.miss_ttl), value)
        return value

    async def _fetch(self, path: str) -> dict[str, Any] | None:
        headers = {"Accept": "application/json"}
        token = self._read_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.requests += 1
        try:
            response = await self._http.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise KubeError(f"GET {path}: {type(exc).__name__}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            reason = ""
            with contextlib.suppress(ValueError):
                reason = str(response.json().get("reason", ""))
            raise KubeError(f"GET {path}: HTTP {response.status_code} {reason}".rstrip())
        try:
            data = response.json()
        except ValueError:
            raise KubeError(f"GET {path}: answer is not JSON") from None
        if not isinstance(data, dict):
            raise KubeError(f"GET {path}: answer is not an object")
        return data

    def _read_token(self) -> str:
        if not self.token_file:
            return ""
        try:
            st = os.stat(self.token_file)
        except OSError:
            return self._token
        stamp = (st.st_mtime, st.st_ino)
        if stamp != self._token_stamp:
            self._token = Path(self.token_file).read_text(encoding="utf-8").strip()
            self._token_stamp = stamp
        return self._token


def labels_of(obj: dict[str, Any] | None) -> dict[str, str]:
    return _str_map(obj, "labels")


def annotations_of(obj: dict[str, Any] | None) -> dict[str, str]:
    return _str_map(obj, "annotations")


def _str_map(obj: dict[str, Any] | None, key: str) -> dict[str, str]:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    values = meta.get(key) if isinstance(meta, dict) else None
    if not isinstance(values, dict):
        return {}
    return {str(k): str(v) for k, v in values.items() if isinstance(v, str)}
