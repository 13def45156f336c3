"""Celery task outcomes, counted in Redis by the workers and exported by /metrics."""

import structlog
from celery.signals import task_failure, task_retry, task_success
from django_redis import get_redis_connection
from prometheus_client.core import CounterMetricFamily

logger = structlog.get_logger("alquimista.celery")
OUTCOMES_KEY = "metrics:celery:outcomes"


def _count(task_name: str, outcome: str) -> None:
    try:
        get_redis_connection("default").hincrby(OUTCOMES_KEY, f"{task_name}|{outcome}", 1)
    except Exception as exc:  # metrics must never fail a task
        logger.warning("celery_metric_not_recorded", task=task_name, outcome=outcome, error=str(exc))


@task_success.connect
def _on_success(sender=None, **_):
    _count(sender.name, "success")


@task_failure.connect
def _on_failure(sender=None, **_):
    _count(sender.name, "failure")


@task_retry.connect
def _on_retry(sender=None, **_):
    _count(sender.name, "retry")


class CeleryOutcomeCollector:
    def collect(self):
        family = CounterMetricFamily(
            "alquimista_celery_tasks", "Celery task outcomes by task.", labels=["task", "outcome"]
        )
        try:
            counts = get_redis_connection("default").hgetall(OUTCOMES_KEY)
        except Exception:
            counts = {}
        for field, value in counts.items():
            task_name, outcome = field.decode().split("|", 1)
            family.add_metric([task_name, outcome], int(value))
        yield family
