"""The nightly roll-up: raw agent requests (tenant schema) → UsageDaily (public), set-based.

One INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE per tenant and day range: running
it twice gives identical rows. After it: the agents' 30-day counters, error-rate and quota
incidents, integration health, and the tenant's cached reads.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from core.cache import GLOBAL, bump, tenant_scope
from usage.health import integration_health_check
from usage.incidents import error_rate_incidents_open, quota_incidents_open
from usage.latency import BOUNDS_MS

logger = structlog.get_logger(__name__)


def _histogram_sql() -> str:
    edges = [None, *BOUNDS_MS, None]
    parts = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        conditions = []
        if low is not None:
            conditions.append(f"r.duration_ms >= {low}")
        if high is not None:
            conditions.append(f"r.duration_ms < {high}")
        parts.append(f"count(*) FILTER (WHERE {' AND '.join(conditions)})")
    return "ARRAY[" + ", ".join(parts) + "]::bigint[]"


# The aggregation itself, shared by the roll-up (INSERT … ON CONFLICT) and the live "today" reads.
AGGREGATE_SQL = """
SELECT ta.agent_type_id, r.day,
       count(*) AS requests,
       count(*) FILTER (WHERE r.outcome = 'success') AS successes,
       count(*) FILTER (WHERE r.outcome = 'error') AS errors,
       count(*) FILTER (WHERE r.outcome = 'timeout') AS timeouts,
       avg(r.duration_ms) AS avg_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms) AS p95_ms,
       sum(r.tokens_in) AS tokens_in, sum(r.tokens_out) AS tokens_out,
       round(sum(r.tokens_in + r.tokens_out) / 1000.0 * at.price_per_1k_tokens, 4) AS cost,
       {histogram} AS latency_hist
FROM (
    SELECT agent_id, (started_at AT TIME ZONE 'UTC')::date AS day, outcome, duration_ms, tokens_in, tokens_out
    FROM {schema}.usage_agentrequest
    WHERE started_at >= %(start)s AND started_at < %(end)s
) r
JOIN {schema}.agents_tenantagent ta ON ta.id = r.agent_id
JOIN public.agents_agenttype at ON at.id = ta.agent_type_id
GROUP BY ta.agent_type_id, r.day, at.price_per_1k_tokens
"""

ROLLUP_SQL = """
INSERT INTO public.usage_usagedaily
    (tenant_id, agent_type_id, day, requests, successes, errors, timeouts, avg_ms, p95_ms,
     tokens_in, tokens_out, cost, latency_hist, rolled_up_at)
SELECT %(tenant_id)s, a.*, now() FROM ({aggregate}) a
ON CONFLICT (tenant_id, agent_type_id, day) DO UPDATE SET
    requests = EXCLUDED.requests, successes = EXCLUDED.successes, errors = EXCLUDED.errors,
    timeouts = EXCLUDED.timeouts, avg_ms = EXCLUDED.avg_ms, p95_ms = EXCLUDED.p95_ms,
    tokens_in = EXCLUDED.tokens_in, tokens_out = EXCLUDED.tokens_out, cost = EXCLUDED.cost,
    latency_hist = EXCLUDED.latency_hist, rolled_up_at = EXCLUDED.rolled_up_at
"""


def aggregate_sql(schema: str) -> str:
    return AGGREGATE_SQL.format(schema=schema, histogram=_histogram_sql())


def live_rows(*, tenant, day: date) -> list[dict]:
    """The roll-up's figures for one day computed now from raw rows (for "today")."""
    start_at, end_at = day_bounds(day, day)
    schema = connection.ops.quote_name(tenant.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(aggregate_sql(schema), {"start": start_at, "end": end_at})
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


COUNTERS_SQL = """
UPDATE {schema}.agents_tenantagent ta SET
    requests_30d = s.requests, errors_30d = s.errors, timeouts_30d = s.timeouts, tokens_30d = s.tokens,
    avg_ms_30d = s.avg_ms, counters_refreshed_at = now(),
    last_request_at = (SELECT max(started_at) FROM {schema}.usage_agentrequest r WHERE r.agent_id = ta.id)
FROM (
    SELECT t.id,
           coalesce(sum(u.requests), 0) AS requests, coalesce(sum(u.errors), 0) AS errors,
           coalesce(sum(u.timeouts), 0) AS timeouts, coalesce(sum(u.tokens_in + u.tokens_out), 0) AS tokens,
           sum(u.avg_ms * u.requests) / nullif(sum(u.requests), 0) AS avg_ms
    FROM {schema}.agents_tenantagent t
    LEFT JOIN public.usage_usagedaily u
           ON u.agent_type_id = t.agent_type_id AND u.tenant_id = %(tenant_id)s AND u.day > %(since)s
    GROUP BY t.id
) s
WHERE ta.id = s.id
"""


# Ingestion marks the UTC days it touched. DO UPDATE (not DO NOTHING) so the mark's row stays locked
# until the ingest commits: a roll-up claiming that day then waits and sees the new rows, instead of
# clearing the mark without them. Callers pass the days sorted, so concurrent marks lock in one order.
MARK_DIRTY_SQL = """
INSERT INTO {schema}.usage_usagedirtyday (day, marked_at)
SELECT day, now() FROM unnest(%(days)s::date[]) AS day
ON CONFLICT (day) DO UPDATE SET marked_at = EXCLUDED.marked_at
"""

CLAIM_DIRTY_SQL = """
DELETE FROM {schema}.usage_usagedirtyday
WHERE day IN (SELECT day FROM {schema}.usage_usagedirtyday ORDER BY day FOR UPDATE)
RETURNING day
"""


def dirty_days_mark(*, days: list[date]) -> None:
    """Record that raw requests of these UTC days arrived (current tenant's schema): one statement."""
    if not days:
        return
    schema = connection.ops.quote_name(connection.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(MARK_DIRTY_SQL.format(schema=schema), {"days": sorted(set(days))})


def day_runs(days) -> list[tuple[date, date]]:
    """Sorted days as inclusive runs of consecutive days: one roll-up statement per run."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def month_last_day(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class RollupResult:
    tenant: str
    start: date
    end: date
    rows: int
    incidents: int
    late_days: tuple[date, ...] = ()


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, end+1 00:00 UTC): days are UTC days."""
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=UTC
    )


def rollup_tenant(*, tenant, start: date, end: date, today: date | None = None) -> RollupResult:
    """Roll up `tenant`'s raw requests of the UTC days start..end (inclusive), then what follows from them.

    Also rolls up (and clears) the days ingestion marked dirty, so late-reported requests are counted.
    The marks are claimed first, in the same transaction: a failed roll-up leaves them for the next one.
    """

    if end < start:
        raise ValueError("end must not be before start")
    today = today or datetime.now(UTC).date()
    schema = connection.ops.quote_name(tenant.schema_name)
    with tenant_context(tenant), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_DIRTY_SQL.format(schema=schema))
            late_days = tuple(sorted(day for (day,) in cursor.fetchall() if not start <= day <= end))
            runs = [(start, end), *day_runs(late_days)]
            rows = 0
            for first, last in runs:
                start_at, end_at = day_bounds(first, last)
                cursor.execute(
                    ROLLUP_SQL.format(aggregate=aggregate_sql(schema)),
                    {"tenant_id": tenant.pk, "start": start_at, "end": end_at},
                )
                rows += cursor.rowcount
            cursor.execute(
                COUNTERS_SQL.format(schema=schema), {"tenant_id": tenant.pk, "since": today - timedelta(days=30)}
            )
        opened = sum(
            error_rate_incidents_open(tenant=tenant, start=first, end=last, today=today) for first, last in runs
        )
        # Late days of earlier months count toward those months' quotas.
        for month_of in sorted({end, *(month_last_day(day) for day in late_days if day < end.replace(day=1))}):
            opened += quota_incidents_open(tenant=tenant, month_of=month_of)
        opened += integration_health_check(tenant=tenant)
    bump(tenant_scope(tenant))
    bump(GLOBAL)
    logger.info(
        "rollup_done",
        tenant=tenant.schema_name,
        start=str(start),
        end=str(end),
        late_days=[day.isoformat() for day in late_days],
        rows=rows,
        incidents=opened,
    )
    return RollupResult(tenant=tenant.slug, start=start, end=end, rows=rows, incidents=opened, late_days=late_days)


def error_rate_threshold() -> float:
    return settings.USAGE_ERROR_RATE_THRESHOLD
