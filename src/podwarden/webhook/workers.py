"""Worker threads for evaluations, handed work more cheaply than a ``ThreadPoolExecutor``.

Evaluations hold the GIL, so threads add no speed: one worker takes them in order, and a
second (up to ``limit``) starts only when every worker has been on one evaluation for
``stall`` seconds while others wait, so a stuck rule cannot hold up the rest.  Spare
workers stop after ``stall`` x 10 seconds without work.  Finished evaluations reach the
event loop in batches: one wake-up for all those done since the loop last looked, where
``run_in_executor`` costs a wake-up, a lock and two futures each.  An evaluation whose
request stopped waiting (its time limit) is skipped if it has not started.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: seconds every worker may spend on one evaluation before another worker starts
STALL = 0.1

_Job = tuple[Callable[[], Any], "asyncio.Future[Any]"]


class Workers:
    """Runs callables in worker threads for one event loop (``run``)."""

    def __init__(self, limit: int = 4, stall: float = STALL, name: str = "podwarden-eval") -> None:
        self.limit = max(1, limit)
        self.stall = stall
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        #: each worker's current evaluation's start (time.monotonic), None when idle
        self._started: dict[threading.Thread, float | None] = {}
        self._done: list[tuple[asyncio.Future[Any], bool, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._check: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def threads(self) -> int:
        """Worker threads running now."""
        with self._lock:
            return len(self._started)

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread; cancelling the wait skips it if not yet started."""
        loop = asyncio.get_running_loop()
        if self._closed:
            raise RuntimeError("workers shut down")
        self._loop = loop
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((fn, future))
        with self._lock:
            idle = any(started is None for started in self._started.values())
            count = len(self._started)
        if count == 0:
            self._start()
        elif not idle and self._check is None and count < self.limit:
            self._check = loop.call_later(self.stall, self._stalled)
        return await future

    def shutdown(self) -> None:
        """Stop the workers once their current evaluation ends; queued ones are dropped."""
        self._closed = True
        if self._check is not None:
            self._check.cancel()
        with self._lock:
            count = len(self._started)
        for _ in range(count):
            self._jobs.put(None)

    # -- on the event loop ----------------------------------------------------------------

    def _start(self) -> None:
        thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._started)}", daemon=True)
        with self._lock:
            self._started[thread] = None
        thread.start()

    def _stalled(self) -> None:
        """Start another worker when every one has been on one evaluation for ``stall``
        seconds and evaluations are waiting."""
        self._check = None
        if self._closed or self._jobs.empty():
            return
        now = time.monotonic()
        with self._lock:
            starts = list(self._started.values())
        if all(s is not None and now - s >= self.stall for s in starts) and len(starts) < self.limit:
            self._start()
        if len(starts) < self.limit and self._loop is not None:
            self._check = self._loop.call_later(self.stall, self._stalled)

    def _deliver(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        for future, ok, value in done:
            if future.done():  # its request stopped waiting
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    # -- in a worker thread ---------------------------------------------------------------

    def _work(self) -> None:
        me = threading.current_thread()
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=None if self._first(me) else self.stall * 10)
                except queue.Empty:
                    return
                if job is None:
                    return
                fn, future = job
                if future.done():  # cancelled while waiting: nobody reads the answer
                    continue
                with self._lock:
                    self._started[me] = time.monotonic()
                try:
                    outcome: tuple[asyncio.Future[Any], bool, Any] = (future, True, fn())
                except Exception as exc:
                    outcome = (future, False, exc)
                with self._lock:
                    self._started[me] = None
                    self._done.append(outcome)
                    wake = len(self._done) == 1
                if wake and self._loop is not None:
                    try:
                        self._loop.call_soon_threadsafe(self._deliver)
                    except RuntimeError:  # the loop is closed: nobody waits any more
                        return
        finally:
            with self._lock:
                self._started.pop(me, None)

    def _first(self, me: threading.Thread) -> bool:
        """True for the oldest worker, which waits for work however long it takes."""
        with self._lock:
            return next(iter(self._started), None) is me
