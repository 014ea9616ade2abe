"""Evaluation workers: a stuck evaluation holds up neither the event loop nor the others
(over real HTTPS on loopback), and the worker pool's own rules (order, spares, skips)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from podwarden.rules import api
from podwarden.webhook.app import Settings
from podwarden.webhook.workers import Workers
from tests.webhook.conftest import admission, pod, start
from tests.webhook.test_server import DOC, privileged, registry_with

#: released at the end of the test that holds evaluations on it
_RELEASE = threading.Event()


def stuck_rule() -> api.Rule:
    """A rule that never returns for pods named "stuck" (until the test releases it)."""
    r = api.rule("hardening/test-stuck", severity=api.Severity.LOW)
    r.doc = DOC

    @r.check()
    def check(pod: api.PodView) -> Iterator[api.Violation]:
        if any(c.name == "stuck" for c in pod.containers()):
            _RELEASE.wait(30)
        return iter(())

    return r


def test_stuck_evaluations_hold_up_neither_the_loop_nor_other_evaluations(tmp_path: Path) -> None:
    _RELEASE.clear()
    running = start(tmp_path, Settings(timeout=1.0), registry=registry_with(stuck_rule()))
    try:
        answers: list[dict[str, object]] = []

        def send_stuck(n: int) -> None:
            obj = pod(f"stuck-{n}")
            obj["spec"]["containers"][0]["name"] = "stuck"
            obj["spec"]["containers"][0]["env"] = [{"name": "N", "value": str(n)}]  # no cache hit
            answers.append(running.review("/validate", admission(obj)))

        # two evaluations that never end, one after the other on the worker they hold
        stuck = [threading.Thread(target=send_stuck, args=(n,)) for n in range(2)]
        for thread in stuck:
            thread.start()
            time.sleep(0.2)
        assert running.client.get("/healthz").text == "ok"  # the event loop answers
        res = running.review("/validate", admission(privileged(pod("other"))))  # evaluated, not a timeout
        assert res["allowed"] is False and "pss/privileged" in res["status"]["message"]
        assert "could not evaluate" not in res["status"]["message"]
        for thread in stuck:
            thread.join(10)
        assert len(answers) == 2
        for answer in answers:  # each stuck one answered by the failure mode within its time limit
            assert answer["allowed"] is False and "exceeded 1s" in answer["status"]["message"]  # type: ignore[index]
    finally:
        _RELEASE.set()
        running.stop()


def _run(coro_fn):  # type: ignore[no-untyped-def]
    return asyncio.run(coro_fn())


def test_results_and_errors_reach_their_callers() -> None:
    workers = Workers(limit=2)

    def boom() -> int:
        raise KeyError("boom")

    async def main() -> list[object]:
        results = await asyncio.gather(*(workers.run(lambda n=n: n * n) for n in range(50)))
        with pytest.raises(KeyError):
            await workers.run(boom)
        return list(results)

    try:
        assert _run(main) == [n * n for n in range(50)]
        assert workers.threads == 1  # nothing stalled: one worker did it all
    finally:
        workers.shutdown()


def test_a_spare_starts_for_a_stall_and_stops_when_idle() -> None:
    workers = Workers(limit=3, stall=0.05)
    release = threading.Event()

    async def main() -> None:
        held = asyncio.ensure_future(workers.run(lambda: release.wait(10)))
        await asyncio.sleep(0.01)
        assert await asyncio.wait_for(workers.run(lambda: "done"), 5) == "done"
        assert workers.threads == 2
        release.set()
        assert await held is True
        deadline = time.monotonic() + 10
        while workers.threads > 1 and time.monotonic() < deadline:  # the spare stops after 0.5 s idle
            await asyncio.sleep(0.05)
        assert workers.threads == 1

    try:
        _run(main)
    finally:
        release.set()
        workers.shutdown()


def test_no_more_workers_than_the_limit_and_waits_given_up_are_skipped() -> None:
    workers = Workers(limit=1, stall=0.05)
    release = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        held = asyncio.ensure_future(workers.run(lambda: release.wait(10)))
        await asyncio.sleep(0.01)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(workers.run(lambda: ran.append("late")), 0.3)
        assert workers.threads == 1
        release.set()
        await held
        assert await workers.run(lambda: "next") == "next"

    try:
        _run(main)
        assert ran == []  # its caller stopped waiting before it started: never run
    finally:
        release.set()
        workers.shutdown()
