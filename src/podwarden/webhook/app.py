"""The ASGI application: ``POST /validate``, ``POST /mutate``, ``/healthz``, ``/readyz``,
``/metrics`` (and ``POST /echo`` for the benchmark, off unless asked for).

Every admission request gets an answer within ``timeout`` seconds: a body that is
malformed, too large or too slow to arrive is a 400 with a clear message; evaluation
that fails or overruns is answered by the failure mode (deny unless ``onError: allow``).
Evaluation runs in worker threads (``workers``), so a stuck rule stalls neither the event
loop nor other evaluations.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from podwarden.model.podspec import POD_TEMPLATE_PATHS
from podwarden.rules.credentials.filters import all_filters
from podwarden.rules.registry import Registry
from podwarden.webhook import logs, review, wi
from podwarden.webhook.decide import Decision, Evaluator, InternalError, InvalidObject
from podwarden.webhook.kube import KubeClient, KubeError, annotations_of, labels_of
from podwarden.webhook.metrics import CONTENT_TYPE, Metrics
from podwarden.webhook.policy import PolicyConfig
from podwarden.webhook.workers import Workers

ADMISSION_PATHS = frozenset({"/validate", "/mutate"})
#: bodies up to this size may be answered on the event loop when no rule runs (a cached
#: verdict, workload identity injection alone); copying or hashing a larger one there
#: would hold up other requests
INLINE_MAX_BODY = 256 * 1024


@dataclass(slots=True)
class Settings:
    """How the app behaves; the CLI fills it from options."""

    policy: PolicyConfig = field(default_factory=PolicyConfig)
    #: seconds for one admission request, body included
    timeout: float = 3.0
    max_body: int = 4 * 1024 * 1024
    #: workload identity injection; None turns it off
    workload_identity: wi.Settings | None = field(default_factory=wi.Settings)
    echo: bool = False
    #: worker threads at most: one evaluates, others start only while evaluations are stuck
    workers: int = 4
    #: objects whose findings are kept for identical objects (a ReplicaSet's pods); 0: none
    cache_size: int = 1024


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    """The client disconnected before its request body was complete."""


class Webhook:
    """State shared by the handlers of one app."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry | None = None,
        kube_factory: Callable[[], KubeClient | None] | None = None,
    ) -> None:
        self.settings = settings
        self.evaluator = Evaluator(settings.policy, registry, settings.workload_identity, settings.cache_size)
        self.metrics = Metrics()
        cache = self.evaluator.cache
        self.metrics.watch_cache(lambda: (cache.hits, cache.misses))
        self.kube_factory = kube_factory or (lambda: None)
        self.kube: KubeClient | None = None
        self.workers = Workers(settings.workers)
        self.ready = False

    # -- lifespan -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.kube = self.kube_factory()
        # build the default engines before the first request rather than during it
        await self.workers.run(self._warm_up)
        # what start-up loaded lives as long as the process: keep it out of every
        # collection, so a full collection walks only what requests allocate
        gc.freeze()
        self.ready = True
        logs.event("ready", api=self.kube is not None)
        try:
            yield
        finally:
            self.ready = False
            if self.kube is not None:
                await self.kube.close()
            self.workers.shutdown()
            logs.event("stopped")

    def _warm_up(self) -> None:
        policy = self.settings.policy.resolve("default", None)
        for lv in (policy.enforce, policy.warn, policy.audit):
            self.evaluator.engine(lv.level, lv.version, ["pss"])
        all_filters()  # loaded here, not by the first worker threads to meet a credential

    # -- endpoints ----------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(self, request: Request) -> Response:
        return PlainTextResponse("ready" if self.ready else "not ready", 200 if self.ready else 503)

    async def metrics_endpoint(self, request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    async def answer(self, endpoint: str, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /validate``, ``/mutate`` or ``/echo`` as a bare ASGI app: the handlers
        answer every error themselves, so Starlette's routing and middleware are skipped."""
        handler = self._echo if endpoint == "echo" else functools.partial(self._admission, endpoint=endpoint)
        try:
            status, payload = await handler(scope, receive)
        except _Gone:
            return  # the client left before its body arrived: nobody to answer
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]})
        await send({"type": "http.response.body", "body": payload})

    async def _echo(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        """Parse and echo: the benchmark's baseline, the same server minus evaluation."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.timeout):  # no extra task, unlike wait_for
                body = await self._read_body(scope, receive)
            parsed = review.parse(body)
        except (review.BadRequest, _TooLarge, TimeoutError) as exc:
            answer = 400, _bad_request(str(exc) or "bad request")
        else:
            self.metrics.latency.labels("echo").observe(time.perf_counter() - started)
            answer = 200, _json(review.wrap(review.allow(parsed["request"]["uid"])))
        logs.event("access", method="POST", path="/echo", status=answer[0],
                   ms=round((time.perf_counter() - started) * 1000, 2))
        return answer

    # -- admission ----------------------------------------------------------------------

    async def _admission(self, scope: Scope, receive: Receive, endpoint: str) -> tuple[int, bytes]:
        started = time.perf_counter()
        deadline = started + self.settings.timeout
        try:
            async with asyncio.timeout(self.settings.timeout):  # no extra task, unlike wait_for
                body = await self._read_body(scope, receive)
            parsed = review.parse(body)
        except (review.BadRequest, _TooLarge, TimeoutError) as exc:
            message = str(exc)
            if isinstance(exc, TimeoutError):
                message = f"request body not received within {self.settings.timeout:g}s"
            self.metrics.errors.labels(endpoint, "bad_request").inc()
            self.metrics.decisions.labels(endpoint, "bad_request").inc()
            logs.event("admission", endpoint=endpoint, status=400, error=message,
                       ms=round((time.perf_counter() - started) * 1000, 2))
            return 400, _bad_request(message)
        req = parsed["request"]
        kind = req["kind"]
        # labels come from the request: only kinds podwarden evaluates get their own series
        shown_kind = kind["kind"] if kind["kind"] in POD_TEMPLATE_PATHS else "other"
        self.metrics.requests.labels(endpoint, shown_kind, req["operation"]).inc()
        try:
            remaining = max(deadline - time.perf_counter(), 0.001)
            async with asyncio.timeout(remaining):
                decision = await self._decide(endpoint, req, len(body), deadline)
        except TimeoutError:
            decision = self._failure(endpoint, "timeout", f"evaluation exceeded {self.settings.timeout:g}s")
        except InvalidObject as exc:
            decision = Decision(allowed=False, code=400, reason="BadRequest", message=f"invalid object: {exc}")
        except KubeError as exc:
            decision = self._failure(endpoint, "api", f"Kubernetes API: {exc}")
        except InternalError as exc:
            decision = self._failure(endpoint, "internal", str(exc))
        except Exception as exc:  # never a 500: the failure mode answers
            decision = self._failure(endpoint, "internal", type(exc).__name__)
        uid = req["uid"]
        if decision.allowed:
            response = review.allow(uid, decision.warnings, decision.audit, decision.patch)
        else:
            response = review.deny(uid, decision.message, decision.code, decision.reason,
                                   decision.warnings, decision.audit)
        elapsed = time.perf_counter() - started
        self.metrics.latency.labels(endpoint).observe(elapsed)
        self.metrics.decisions.labels(endpoint, decision.label).inc()
        obj = req.get("object") or req.get("oldObject") or {}
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        logs.event(
            "admission", level=logging.WARNING if decision.error else logging.INFO,
            endpoint=endpoint, status=200, uid=uid, kind=kind["kind"],
            operation=req["operation"], namespace=req.get("namespace", ""),
            name=req.get("name") or meta.get("name") or meta.get("generateName") or "",
            user=req.get("userInfo", {}).get("username", ""), dryRun=req.get("dryRun", False),
            decision=decision.label, allowed=decision.allowed, rules=decision.rules,
            patchOps=len(decision.patch), exempt=decision.exempt or None, error=decision.error or None,
            ms=round(elapsed * 1000, 2),
        )
        return 200, _json(review.wrap(response))

    async def _decide(self, endpoint: str, req: review.AdmissionRequest, size: int, deadline: float) -> Decision:
        namespace = req.get("namespace", "")
        labels = await self._namespace_labels(namespace)
        policy = self.settings.policy.resolve(namespace, labels)
        call: Callable[[], Decision]
        if endpoint == "validate":
            # a decision that needs no evaluation (an identical object's, cached) is answered
            # here; evaluation goes to a worker thread, under the time limit
            if size > INLINE_MAX_BODY:
                call = functools.partial(self.evaluator.validate, req, policy, deadline)
            else:
                found = self.evaluator.prepare(req, policy, deadline)
                if isinstance(found, Decision):
                    return found
                call = found
        else:
            sa_annotations = None
            if self.kube is not None and self.evaluator.needs_service_account(req):
                name = wi.service_account_name(req.get("object") or {})
                sa = await self.kube.service_account(namespace, name)
                if sa is None:
                    return Decision(allowed=False, code=400, reason="BadRequest",
                                    message=f'service account "{namespace}/{name}" not found')
                sa_annotations = annotations_of(sa)
            call = functools.partial(self.evaluator.mutate, req, policy, sa_annotations)
            if not policy.mutate and size <= INLINE_MAX_BODY:
                return call()  # workload identity alone: a few edits, no rule runs
        return await self.workers.run(call)

    async def _namespace_labels(self, namespace: str) -> dict[str, str] | None:
        """The namespace's labels from the API, or None (no API: the policy file alone).

        A failed lookup raises ``KubeError``: the request gets the failure mode (deny unless
        ``onError: allow``), as a namespace labelled restricted must not fall back to the
        defaults because the API did not answer."""
        if self.kube is None or not namespace:
            return None
        try:
            found = await self.kube.namespace(namespace)
        except KubeError as exc:
            self.metrics.errors.labels("namespace", "api").inc()
            logs.event("namespace-lookup-failed", level=logging.WARNING, namespace=namespace, error=str(exc))
            raise
        return labels_of(found) if found is not None else None

    def _failure(self, endpoint: str, kind: str, detail: str) -> Decision:
        self.metrics.errors.labels(endpoint, kind).inc()
        if self.settings.policy.fail_open:
            return Decision(allowed=True, error=kind, warnings=[
                f"podwarden could not evaluate this request ({detail}); allowed by onError: allow"])
        return Decision(allowed=False, error=kind, code=500, reason="InternalError",
                        message=f"podwarden could not evaluate this request ({detail}); denied (fail closed)")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.settings.max_body
        length = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise _TooLarge(f"request body larger than {limit} bytes: refused")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge(f"request body larger than {limit} bytes: refused")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _bad_request(message: str) -> bytes:
    """The 400 answer's body, as Starlette's JSONResponse writes it."""
    return json.dumps({"error": message}, ensure_ascii=False, separators=(",", ":")).encode()


class _App(Starlette):
    """Starlette, but a POST to an admission endpoint (or ``/echo``) goes straight to its
    handler, skipping the middleware and routing that cost some 45 µs a review; every
    other request, and other methods on those paths (405), take Starlette's way."""

    direct: dict[str, ASGIApp]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            handler = self.direct.get(scope["path"])
            if handler is not None:
                await handler(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class AccessLog:
    """ASGI middleware: one JSON access line per non-admission request."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in ADMISSION_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            logs.event("access", method=scope["method"], path=scope["path"], status=status[0],
                       ms=round((time.perf_counter() - started) * 1000, 2))


def create_app(
    settings: Settings | None = None,
    registry: Registry | None = None,
    kube_factory: Callable[[], KubeClient | None] | None = None,
) -> Starlette:
    """The webhook application; ``kube_factory`` builds the API client inside the loop."""
    hook = Webhook(settings or Settings(), registry, kube_factory)
    # bare ASGI apps (partials, not functions: Starlette does not wrap them in a Request)
    direct: dict[str, ASGIApp] = {
        f"/{name}": functools.partial(hook.answer, name)
        for name in ("validate", "mutate", *(("echo",) if hook.settings.echo else ()))
    }
    routes = [
        *(Route(path, handler, methods=["POST"]) for path, handler in direct.items()),
        Route("/healthz", hook.healthz, methods=["GET"]),
        Route("/readyz", hook.readyz, methods=["GET"]),
        Route("/metrics", hook.metrics_endpoint, methods=["GET"]),
    ]
    app = _App(routes=routes, lifespan=hook.lifespan)
    app.direct = direct
    app.state.webhook = hook
    app.add_middleware(AccessLog)
    return app
