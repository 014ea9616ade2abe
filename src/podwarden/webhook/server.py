"""Run the app on uvicorn over TLS, reloading the certificate when it changes on disk.

On SIGTERM uvicorn stops accepting connections, lets requests in flight finish (up to
``graceful_timeout`` seconds) and closes idle keep-alive connections: nothing in flight
is dropped when a replica is rolled.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import uvicorn

from podwarden.webhook import logs
from podwarden.webhook.tls import CertReloader


class WebhookServer:
    """A uvicorn server plus the certificate watcher; ``serve()`` runs both."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        cert: str,
        key: str,
        graceful_timeout: float = 20.0,
        reload_interval: float = 5.0,
        keep_alive: int = 30,
    ) -> None:
        self.config = uvicorn.Config(
            app, host=host, port=port, ssl_certfile=cert, ssl_keyfile=key,
            access_log=False, log_config=None, lifespan="on", loop="asyncio", http="h11",
            timeout_graceful_shutdown=int(graceful_timeout), timeout_keep_alive=keep_alive,
            server_header=False,
        )
        self.server = uvicorn.Server(self.config)
        self.cert = cert
        self.key = key
        self.reload_interval = reload_interval
        self.reloader: CertReloader | None = None
        self.socket: socket.socket | None = None

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
            sock.listen(2048)
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
        self.config.load()
        assert self.config.ssl is not None
        self.reloader = CertReloader(self.config.ssl, self.cert, self.key, self.reload_interval)
        watcher = asyncio.create_task(self.reloader.watch())
        try:
            await self.server.serve(sockets=[self.socket])
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    def run(self) -> None:
        asyncio.run(self.serve())
