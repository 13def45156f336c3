"""Raw agent requests are purged after the plan's retention, in batches, once rolled up."""

from datetime import UTC, datetime, time, timedelta

from django.db import connection
from django_tenants.utils import tenant_context

PURGE_BATCH = 10_000


def raw_requests_purge(*, tenant, now: datetime | None = None) -> int:
    """Delete this tenant's raw requests older than its retention (never today's or yesterday's,
    which the roll-up may still need). Returns rows deleted."""
    now = now or datetime.now(UTC)
    days = tenant.plan.raw_retention_days if tenant.plan else 35
    keep_from = datetime.combine(now.date() - timedelta(days=max(days, 2)), time.min, tzinfo=UTC)
    schema = connection.ops.quote_name(tenant.schema_name)
    deleted = 0
    with tenant_context(tenant):
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {schema}.usage_agentrequest WHERE id IN ("
                    f"SELECT id FROM {schema}.usage_agentrequest WHERE started_at < %s LIMIT %s)",
                    [keep_from, PURGE_BATCH],
                )
                batch = cursor.rowcount
            deleted += batch
            if batch < PURGE_BATCH:
                return deleted
