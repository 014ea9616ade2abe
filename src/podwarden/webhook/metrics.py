"""Prometheus metrics of the webhook, in a registry of its own (one per app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST

#: admission latency buckets (seconds): the API server's webhook timeout is at most 30 s
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Requests, decisions, latency and errors, labelled by endpoint."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "podwarden_admission_requests", "Admission requests received.",
            ["endpoint", "kind", "operation"], registry=self.registry,
        )
        self.decisions = Counter(
            "podwarden_admission_decisions",
            "Admission answers: allow, warn (allowed with warnings), patch, deny, error, bad_request.",
            ["endpoint", "decision"], registry=self.registry,
        )
        self.latency = Histogram(
            "podwarden_admission_duration_seconds", "Time to answer an admission request.",
            ["endpoint"], buckets=BUCKETS, registry=self.registry,
        )
        self.errors = Counter(
            "podwarden_admission_errors",
            "Requests that failed: bad_request (HTTP 400), internal, timeout, api.",
            ["endpoint", "type"], registry=self.registry,
        )

    def watch_cache(self, counts: Callable[[], tuple[int, int]]) -> None:
        """Export the evaluation cache's (hits, misses), read when scraped."""
        self.registry.register(_CacheCollector(counts))

    def watch_connections(self, counts: Callable[[], tuple[int, dict[str, int]]]) -> None:
        """Export the server's (open connections, {reason: connections it closed}), read when scraped."""
        self.registry.register(_ConnectionCollector(counts))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class _CacheCollector(Collector):
    def __init__(self, counts: Callable[[], tuple[int, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        hits, misses = self.counts()
        family = CounterMetricFamily(
            "podwarden_evaluation_cache", "Validations answered from the cache (hit) or evaluated (miss).",
            labels=["result"],
        )
        family.add_metric(["hit"], hits)
        family.add_metric(["miss"], misses)
        yield family


class _ConnectionCollector(Collector):
    def __init__(self, counts: Callable[[], tuple[int, dict[str, int]]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        open_now, closed = self.counts()
        yield GaugeMetricFamily("podwarden_connections_open", "TLS connections open, handshaking ones included.",
                                value=open_now)
        family = CounterMetricFamily(
            "podwarden_connections_closed",
            "Connections the server closed to stay within its limits: displaced (idle, at the "
            "connection cap), refused (at the cap, none idle), header_timeout, header_too_large, "
            "length_required (a chunked body), pipelined (too many requests sent ahead).",
            labels=["reason"],
        )
        for reason, count in sorted(closed.items()):
            family.add_metric([reason], count)
        yield family
