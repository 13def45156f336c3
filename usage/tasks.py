"""Celery tasks of the usage app: thin, they call services. Schedules live in alquimista/celery.py."""

from datetime import UTC, date, datetime, timedelta

import structlog
from celery import shared_task

from core.tasks import tenant_task
from tenants.models import Tenant
from usage.incidents import quota_mail_send, quota_mails_sweep
from usage.retention import raw_requests_purge
from usage.rollup import rollup_tenant

logger = structlog.get_logger(__name__)


def _active_schemas() -> list[str]:
    return list(Tenant.objects.customers().filter(status=Tenant.Status.ACTIVE).values_list("schema_name", flat=True))


@shared_task(name="usage.rollup_all")
def rollup_all(day: str | None = None) -> int:
    """Fan out one roll-up task per active tenant for `day` (default: yesterday, UTC)."""
    target = day or (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    schemas = _active_schemas()
    for schema in schemas:
        rollup_tenant_task.delay(schema, target, target)
    return len(schemas)


@shared_task(name="usage.rollup_today_all")
def rollup_today_all() -> int:
    """Refresh today's partial roll-ups so global views are minutes, not a day, behind."""
    return rollup_all(datetime.now(UTC).date().isoformat())


@tenant_task(
    name="usage.rollup_tenant", autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=900, max_retries=5
)
def rollup_tenant_task(tenant, start: str, end: str) -> int:
    # One tenant failing is retried on its own; the other tenants' tasks are independent.
    return rollup_tenant(tenant=tenant, start=date.fromisoformat(start), end=date.fromisoformat(end)).rows


@shared_task(name="usage.purge_raw_all")
def purge_raw_all() -> int:
    schemas = _active_schemas()
    for schema in schemas:
        purge_raw_task.delay(schema)
    return len(schemas)


@tenant_task(name="usage.purge_raw", autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def purge_raw_task(tenant) -> int:
    return raw_requests_purge(tenant=tenant)


@shared_task(
    name="usage.quota_mail",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=10,
)
def quota_mail_task(incident_id: int) -> int:
    return quota_mail_send(incident_id=incident_id)


@shared_task(name="usage.quota_mail_sweep")
def quota_mail_sweep() -> int:
    """Mail the quota alerts whose own task never delivered (lost at enqueue, or out of retries)."""

    return quota_mails_sweep()
