"""Raw agent requests are purged after the plan's retention, in batches, once rolled up."""

from datetime import UTC, datetime, time, timedelta

from django.db import connection
from django_tenants.utils import tenant_context

PURGE_BATCH = 10_000

# A raw row is purgeable once its day is past retention, not marked dirty (nothing ingested since its
# last roll-up), and its agent's UsageDaily row for that day was written after the day had ended
# (the roll-up watermark: a roll-up during the day saw only part of it).
PURGE_SQL = """
DELETE FROM {schema}.usage_agentrequest WHERE id IN (
    SELECT r.id
    FROM {schema}.usage_agentrequest r
    JOIN {schema}.agents_tenantagent ta ON ta.id = r.agent_id
    WHERE r.started_at < %(keep_from)s
      AND NOT EXISTS (
          SELECT 1 FROM {schema}.usage_usagedirtyday d WHERE d.day = (r.started_at AT TIME ZONE 'UTC')::date
      )
      AND EXISTS (
          SELECT 1 FROM public.usage_usagedaily u
          WHERE u.tenant_id = %(tenant_id)s AND u.agent_type_id = ta.agent_type_id
            AND u.day = (r.started_at AT TIME ZONE 'UTC')::date
            AND u.rolled_up_at >= ((u.day + 1)::timestamp AT TIME ZONE 'UTC')
      )
    LIMIT %(batch)s
)
"""


def raw_requests_purge(*, tenant, now: datetime | None = None) -> int:
    """Delete this tenant's raw requests older than its retention, of days already rolled up.

    Never today's or yesterday's (the roll-up may still need them); a day that is dirty or was
    not rolled up after it ended is kept until a roll-up covers it. Returns rows deleted.
    """
    now = now or datetime.now(UTC)
    days = tenant.plan.raw_retention_days if tenant.plan else 35
    keep_from = datetime.combine(now.date() - timedelta(days=max(days, 2)), time.min, tzinfo=UTC)
    schema = connection.ops.quote_name(tenant.schema_name)
    deleted = 0
    with tenant_context(tenant):
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    PURGE_SQL.format(schema=schema),
                    {"keep_from": keep_from, "tenant_id": tenant.pk, "batch": PURGE_BATCH},
                )
                batch = cursor.rowcount
            deleted += batch
            if batch < PURGE_BATCH:
                return deleted
