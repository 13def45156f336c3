"""Prometheus metrics of the web process.

With several gunicorn workers, PROMETHEUS_MULTIPROC_DIR makes every worker write
its samples there and /metrics sums them. Celery task outcomes are counted in
Redis (see celery_metrics) so the web process can report what workers did.
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

from core.observability.celery_metrics import CeleryOutcomeCollector

REQUESTS = Counter(
    "alquimista_http_requests_total",
    "HTTP requests by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "alquimista_http_request_duration_seconds",
    "HTTP request latency by view.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def render_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY

    payload = generate_latest(registry)
    celery_registry = CollectorRegistry()
    celery_registry.register(CeleryOutcomeCollector())
    return payload + generate_latest(celery_registry)
