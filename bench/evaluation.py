#!/usr/bin/env python3
"""Where a webhook review's evaluation time goes, in-process (no HTTP, no TLS).

For the realistic Pod and Deployment of bench/webhook.py, each request a new object (one
env value differs, so nothing comes from the verdict cache), it prints microseconds per
review for:

- validate: ``Evaluator.validate`` under the default policy, what a worker thread runs;
- checks: the same checks run by one engine on the object (every family, PSS restricted),
  and each family alone;
- everything else: validate minus checks (policy plan, cache key, routing findings);
- cache hit: validate of an object already seen (a ReplicaSet's next pod);
- in a worker thread: validate handed to the app's worker threads (``webhook.workers``)
  from an event loop one request at a time: the hand-off's own cost is this minus validate.

Times are CPU time of the process (best of 5), so other work on the machine changes them
little.  Compare with bench/webhook.py's echo (its server CPU per review): the whole HTTPS
request that only parses and answers.

    .venv/bin/python bench/evaluation.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import webhook as scenarios  # bench/webhook.py: the same objects
from podwarden.engine import Engine, Selection
from podwarden.rules.api import Level
from podwarden.rules.registry import default_registry
from podwarden.webhook import review
from podwarden.webhook.decide import Evaluator
from podwarden.webhook.policy import FAMILIES, PolicyConfig
from podwarden.webhook.workers import Workers


def best_of(fn: Callable[[], Any], count: int, repeats: int = 5) -> float:
    """Microseconds per item, best of ``repeats`` runs over ``count`` items."""
    times = []
    for _ in range(repeats):
        started = time.process_time()  # every thread's CPU time
        fn()
        times.append((time.process_time() - started) / count * 1e6)
    return min(times)


def in_threads(evaluator: Evaluator, requests: list[Any], policy: Any) -> Callable[[], None]:
    """Validate each request in a worker thread, awaited from an event loop (as the app does)."""
    workers = Workers(4)

    async def run() -> None:
        for r in requests:
            await workers.run(functools.partial(evaluator.validate, r, policy))

    return lambda: asyncio.run(run())


def union_engine() -> Engine:
    """One engine running every check the default policy runs (baseline, restricted, families)."""
    registry = default_registry()
    static = frozenset(r.id for r in registry.rules.values() if r.static_only)
    selections = [Selection(level=Level.BASELINE, only=frozenset(["pss"]), skip=static),
                  Selection(level=Level.RESTRICTED, only=frozenset(["pss"]), skip=static),
                  Selection(level=Level.RESTRICTED, only=frozenset(FAMILIES), skip=static)]
    chosen: dict[str, Any] = {}
    for selection in selections:
        for active in Engine(selection, registry).active:
            chosen.setdefault(active.rule.id, active)
    return Engine(selections[-1], registry, list(chosen.values()))


def measure(name: str, obj: dict[str, Any], n: int) -> None:
    policy = PolicyConfig().resolve("shop", None)
    template = scenarios.review(scenarios.vary(obj))
    requests = [review.parse(scenarios.filled(template, i))["request"] for i in range(n)]
    objects = [r["object"] for r in requests]
    cold = Evaluator(PolicyConfig(), cache_size=0)
    cold.validate(requests[0], policy)
    validate = best_of(lambda: [cold.validate(r, policy) for r in requests], n)
    threaded = best_of(in_threads(cold, requests, policy), n)
    union = union_engine()
    checks = best_of(lambda: [union.evaluate_object(o) for o in objects], n)
    cached = Evaluator(PolicyConfig())
    cached.validate(requests[0], policy)
    same = [requests[0]] * n
    hit = best_of(lambda: [cached.validate(r, policy) for r in same], n)
    registry = default_registry()
    static = frozenset(r.id for r in registry.rules.values() if r.static_only)
    alone = []
    for family in ["pss", *FAMILIES]:
        engine = Engine(Selection(level=Level.RESTRICTED, only=frozenset([family]), skip=static), registry)
        alone.append(f"{family} {best_of(lambda e=engine: [e.evaluate_object(o) for o in objects], n):.0f}")
    print(f"  {name:<10} validate {validate:6.1f}   its {len(union.active)} checks {checks:6.1f}   "
          f"everything else {validate - checks:5.1f}   cache hit {hit:5.1f}   in a worker thread {threaded:6.1f}")
    print(f"  {'':<10} each family alone, in a pass of its own: {', '.join(alone)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    n = parser.parse_args().requests
    print(f"podwarden evaluation in-process, default policy: CPU µs per review (best of 5 x {n})")
    measure("Pod", scenarios.pod(), n)
    measure("Deployment", scenarios.deployment(), n)


if __name__ == "__main__":
    main()
