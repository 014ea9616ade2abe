"""Run the app on uvicorn over TLS, with limits that idle, slow or hostile clients cannot outlast.

TLS is done here, not by uvicorn: each accepted connection gets an asyncio SSL protocol built
on the context current at accept time (``CertReloader.context``), so a reloaded certificate
serves new handshakes, open connections keep theirs, and a pair that does not load is never
half-installed.  HTTP/1.1 is uvicorn's httptools protocol (llhttp: a request and its answer
cost a third less CPU than with h11), plus a deadline and a size limit for each request head.

Limits (defaults below; options of ``podwarden serve``):

- **TLS handshake:** ``HANDSHAKE_TIMEOUT`` seconds from accept, then the connection is dropped.
- **Request head:** a complete request line and headers within ``HEADER_TIMEOUT`` seconds of
  the handshake, or of the first byte after a keep-alive pause; a client trickling its headers
  (slowloris) is dropped however steadily it trickles.  A head longer than ``MAX_HEADER_BYTES``
  gets a 431 answer and the connection is closed (llhttp itself has no limit); so does a
  chunked body (411: its trailers would be header lines no limit counts).  A client that
  sends more than ``MAX_PIPELINED`` requests ahead of the answers is disconnected.
- **Keep-alive:** ``KEEP_ALIVE_TIMEOUT`` seconds idle between requests (uvicorn's timer).
- **Connections:** at most ``MAX_CONNECTIONS`` open, and never more than the open-file limit
  less ``FD_RESERVE`` (the soft limit is raised toward the hard one at start-up).  At the cap
  a new connection displaces the longest-idle one with no request in progress (handshaking,
  waiting for its request, or kept alive), so health probes and admission requests still get
  in while idle connections are held open; when every connection has a request in progress,
  the new one is dropped.  Requests are never refused with a 503 (uvicorn's
  ``limit_concurrency`` would refuse probes too).
- **Logs:** an event-loop error (``accept()`` out of file descriptors, say) is logged at most
  once per ``LOG_INTERVAL`` seconds for each kind, with the number not logged since.

On SIGTERM uvicorn stops accepting connections, lets requests in flight finish (up to
``graceful_timeout`` seconds) and closes idle keep-alive connections; connections still in
their handshake or without a request are closed at once, so they cannot hold up the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import resource
import socket
import ssl
import time
from asyncio import sslproto
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from podwarden.webhook import logs
from podwarden.webhook.metrics import Metrics
from podwarden.webhook.tls import CertReloader

#: seconds for a TLS handshake, from accept
HANDSHAKE_TIMEOUT = 10.0
#: seconds for a request's line and headers, from the handshake or from its first byte
HEADER_TIMEOUT = 10.0
#: seconds a connection may stay idle between requests
KEEP_ALIVE_TIMEOUT = 30
#: connections open at once (lowered to fit the open-file limit)
MAX_CONNECTIONS = 1024
#: largest request line plus headers, in bytes
MAX_HEADER_BYTES = 16 * 1024
#: requests read ahead of the one being answered (the API server sends one at a time)
MAX_PIPELINED = 8
#: the listen queue, which is also how many connections asyncio accepts in one go
BACKLOG = 128
#: file descriptors kept out of the connection cap: one accept batch (BACKLOG), the
#: certificate files, the Kubernetes API client, worker threads, logs
FD_RESERVE = 256
#: seconds a TLS close (close_notify) may take before the connection is dropped
SHUTDOWN_TIMEOUT = 5.0
#: seconds between two log lines of one kind of event-loop error
LOG_INTERVAL = 10.0
#: the open-file limit to ask for when the hard limit is unlimited
WANTED_FILES = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Timeouts (seconds) and the connection cap of one server."""

    handshake_timeout: float = HANDSHAKE_TIMEOUT
    header_timeout: float = HEADER_TIMEOUT
    keep_alive_timeout: int = KEEP_ALIVE_TIMEOUT
    max_connections: int = MAX_CONNECTIONS


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE toward the hard limit where allowed; the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED_FILES if hard == resource.RLIM_INFINITY else min(hard, WANTED_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            return soft
        return wanted
    return soft


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered to leave ``FD_RESERVE`` descriptors under the open-file limit."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return wanted
    room = soft - FD_RESERVE if soft > 2 * FD_RESERVE else soft // 2
    return max(1, min(wanted, room))


class _RateLimited:
    """At most one log line per ``interval`` seconds for each key, counting the rest."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def allow(self, key: str) -> int | None:
        """The number of lines skipped since the last one when this one may be logged, else None."""
        now = time.monotonic()
        if now - self._last.get(key, -math.inf) < self.interval:
            self._skipped[key] = self._skipped.get(key, 0) + 1
            return None
        if len(self._last) > 64:  # keys come from a few fixed texts; stay bounded anyway
            self._last.clear()
            self._skipped.clear()
        self._last[key] = now
        return self._skipped.pop(key, 0)


class LoopErrors:
    """The event loop's exception handler: JSON lines, rate-limited, no tracebacks.

    asyncio reports ``accept()`` failing for want of file descriptors once per connection
    waiting in the listen queue, each time it retries (every second): thousands of lines a
    second when the limit is reached."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        self.limiter = _RateLimited(interval)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message") or "event loop error")
        exc = context.get("exception")
        error = type(exc).__name__ if exc is not None else ""
        if isinstance(exc, OSError) and exc.strerror:
            error = exc.strerror
        key = f"{message[:60]}|{error}"
        skipped = self.limiter.allow(key)
        if skipped is not None:
            logs.event("event-loop-error", level=logging.WARNING, message=message[:200], error=error,
                       notLogged=skipped)


class ConnectionGuard:
    """The open connections, least recently active first, under a cap."""

    def __init__(self, limit: int = MAX_CONNECTIONS) -> None:
        self.limit = limit
        self._open: dict[_TLSConnection, None] = {}
        self.draining = False
        #: connections closed by the guard or the head deadline, by reason
        self.closed_by: dict[str, int] = {"displaced": 0, "refused": 0, "header_timeout": 0,
                                          "header_too_large": 0, "length_required": 0, "pipelined": 0}
        self._log = _RateLimited()

    @property
    def open(self) -> int:
        return len(self._open)

    def opened(self, conn: _TLSConnection) -> bool:
        """Admit a new connection (False: drop it), displacing an idle one at the cap."""
        if self.draining:
            return False
        if len(self._open) >= self.limit:
            victim = next((c for c in self._open if not c.busy), None)
            reason = "displaced" if victim is not None else "refused"
            self.closed_by[reason] += 1
            skipped = self._log.allow(reason)
            if skipped is not None:
                logs.event("connection-limit", level=logging.WARNING, limit=self.limit, closed=reason,
                           notLogged=skipped)
            if victim is None:
                return False
            self._open.pop(victim, None)
            victim.drop()
        self._open[conn] = None
        return True

    def active(self, conn: _TLSConnection) -> None:
        """A request started or ended on ``conn``: it is now the most recently active."""
        if conn in self._open:
            self._open.pop(conn)
            self._open[conn] = None

    def closed(self, conn: _TLSConnection) -> None:
        self._open.pop(conn, None)

    def drain(self) -> None:
        """Refuse new connections; drop those with no request in progress."""
        self.draining = True
        for conn in [c for c in self._open if not c.busy]:
            self._open.pop(conn, None)
            conn.drop()


def _answer(status: str, text: str) -> bytes:
    """A complete plain-text response that closes the connection."""
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(text)}\r\n"
            f"connection: close\r\n\r\n{text}").encode()


_HEAD_TOO_LARGE = _answer("431 Request Header Fields Too Large", "Request header fields too large.")
_LENGTH_REQUIRED = _answer("411 Length Required", "A request body needs a Content-Length.")


class _Connection(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline and a size limit for each request head."""

    def __init__(self, *, guard: ConnectionGuard, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard
        self.header_timeout = header_timeout
        self.tls: _TLSConnection | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._was_busy = False
        #: bytes of a request head are expected (not those of a body)
        self._in_head = True
        #: bytes given to the parser since this head began
        self._head_bytes = 0
        #: the connection is being closed with an answer of its own: the parser's further
        #: callbacks are ignored
        self._refused = False

    @property
    def busy(self) -> bool:
        """A request is in progress: its head arrived and its response is not complete."""
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.guard.draining:
            transport.abort()
            return
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        # llhttp keeps a header however long it grows, and reads every request a client
        # sends ahead of the answers: it is fed at most MAX_HEADER_BYTES at a time, bytes
        # of heads are counted, and the requests waiting are counted after each piece.  The
        # count restarts where a message ends, which can be inside a piece: a head holds
        # less than twice the limit.
        view, start, end = memoryview(data), 0, len(data)
        while start < end and not self.transport.is_closing():
            size = MAX_HEADER_BYTES
            if self._in_head:
                size -= self._head_bytes
                if size <= 0:
                    self._refuse(_HEAD_TOO_LARGE, "header_too_large")
                    break
                self._head_bytes += min(size, end - start)
            super().data_received(view[start:start + size])  # type: ignore[arg-type]
            start += size
            if len(self.pipeline) > MAX_PIPELINED:
                self._refuse(b"", "pipelined")
        self._watch()

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._refused:
            return
        if any(name == b"transfer-encoding" for name, _ in self.headers):
            # a chunked body can end in trailers: header lines after the head, which no
            # limit here counts (the API server sends a Content-Length)
            self._refuse(_LENGTH_REQUIRED, "length_required")
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_head, self._head_bytes = True, 0
        if not self._refused:
            super().on_message_complete()

    def _refuse(self, answer: bytes, reason: str) -> None:
        """Close the connection after ``answer``, counting why; at once, without it, when
        there is none or an earlier request is still to be answered (answers go in order)."""
        self._refused = True
        self.guard.closed_by[reason] += 1
        if answer and not self.busy:
            self.transport.write(answer)
            self.transport.close()
        else:
            self.transport.abort()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # arms uvicorn's keep-alive timer, or starts a pipelined request
        self._watch()
        if not self.busy:
            self._cancel_head_timer()  # the keep-alive timer runs until the next byte arrives

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _watch(self) -> None:
        busy = self.busy
        if busy != self._was_busy and self.tls is not None:
            self.guard.active(self.tls)
        self._was_busy = busy
        if busy:
            self._cancel_head_timer()
        elif self.timeout_keep_alive_task is None:
            self._arm_head_timer()  # bytes of a request head are arriving

    def _arm_head_timer(self) -> None:
        if self._head_timer is None and not self.transport.is_closing():
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.busy or self.transport.is_closing():
            return
        self.guard.closed_by["header_timeout"] += 1
        self.transport.abort()


class _TLSConnection(sslproto.SSLProtocol):
    """asyncio's TLS protocol for one accepted connection, known to the guard from accept on
    (uvicorn sees a connection only once its handshake is done)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, http: _Connection, context: ssl.SSLContext,
                 guard: ConnectionGuard, handshake_timeout: float) -> None:
        # no waiter (asyncio's own accept passes one to learn when the handshake is done; an
        # unawaited one would log its failure); typeshed wants a future and int seconds
        super().__init__(loop, http, context, None, server_side=True,  # type: ignore[arg-type]
                         ssl_handshake_timeout=handshake_timeout,  # type: ignore[arg-type]
                         ssl_shutdown_timeout=SHUTDOWN_TIMEOUT)
        self.http = http
        self.guard = guard
        self.raw: asyncio.Transport | None = None

    @property
    def busy(self) -> bool:
        return self.http.busy

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.raw = cast(asyncio.Transport, transport)
        if not self.guard.opened(self):
            self.raw.abort()
            return
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.guard.closed(self)
        super().connection_lost(exc)

    def drop(self) -> None:
        """Close at once, without a TLS goodbye (through the TLS transport once uvicorn has
        it, so that uvicorn sees it closed)."""
        tls_transport: asyncio.Transport | None = self.http.transport
        if tls_transport is not None:
            tls_transport.abort()
        elif self.raw is not None:
            self.raw.abort()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, guard: ConnectionGuard) -> None:
        super().__init__(config)
        self.guard = guard

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.guard.drain()
        await super().shutdown(sockets)


class WebhookServer:
    """A uvicorn server plus TLS, the connection guard and the certificate watcher;
    ``serve()`` runs them."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        cert: str,
        key: str,
        graceful_timeout: float = 20.0,
        reload_interval: float = 5.0,
        limits: Limits | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.reloader = CertReloader(cert, key, reload_interval)
        self.guard = ConnectionGuard(self.limits.max_connections)
        self.config = uvicorn.Config(
            app, host=host, port=port, access_log=False, log_config=None, lifespan="on", loop="asyncio",
            http=cast(type[asyncio.Protocol], self._protocol), backlog=BACKLOG,
            timeout_graceful_shutdown=int(graceful_timeout), timeout_keep_alive=self.limits.keep_alive_timeout,
            server_header=False, ws="none",
        )
        self.server = _Server(self.config, self.guard)
        self.socket: socket.socket | None = None
        if metrics is not None:
            metrics.watch_connections(lambda: (self.guard.open, dict(self.guard.closed_by)))

    def _protocol(self, config: uvicorn.Config, server_state: ServerState, app_state: dict[str, Any],
                  _loop: asyncio.AbstractEventLoop | None = None) -> asyncio.BaseProtocol:
        """uvicorn's protocol factory (its ``http`` setting): HTTP/1.1 inside TLS, with the
        certificate pair current now."""
        loop = _loop or asyncio.get_running_loop()
        http = _Connection(config=config, server_state=server_state, app_state=app_state, _loop=loop,
                           guard=self.guard, header_timeout=self.limits.header_timeout)
        conn = _TLSConnection(loop, http, self.reloader.context, self.guard, self.limits.handshake_timeout)
        http.tls = conn
        return conn

    def bind(self) -> None:
        """Listen on host:port now, so that a port in use is an error before anything
        starts (``OSError``), not a log line from inside the server."""
        host, port = self.config.host, self.config.port
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on connections accepted from
        # such a socket; without it every answer waits ~40 ms for the client's delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(BACKLOG)
        except OSError:
            sock.close()
            raise
        self.socket = sock
        logs.event("listening", host=host, port=self.socket.getsockname()[1])

    @property
    def port(self) -> int:
        """The bound port (useful with port 0) once bound."""
        return int(self.socket.getsockname()[1]) if self.socket is not None else self.config.port

    async def serve(self) -> None:
        if self.socket is None:
            self.bind()
        assert self.socket is not None
        asyncio.get_running_loop().set_exception_handler(LoopErrors())
        self.guard.limit = connection_cap(self.limits.max_connections)
        watcher = asyncio.create_task(self.reloader.watch())
        try:
            await self.server.serve(sockets=[self.socket])
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    def run(self) -> None:
        asyncio.run(self.serve())
