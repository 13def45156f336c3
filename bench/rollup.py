"""Roll-up throughput against the floor: the same aggregation per tenant with nothing written."""

import statistics
import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from tenants.models import Tenant
from usage.rollup import aggregate_sql, day_bounds, rollup_tenant


def _raw_rows(tenants, start, end) -> int:
    start_at, end_at = day_bounds(start, end)
    total = 0
    with connection.cursor() as cursor:
        for tenant in tenants:
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(tenant.schema_name)}.usage_agentrequest WHERE started_at >= %s AND started_at < %s",
                [start_at, end_at],
            )
            total += cursor.fetchone()[0]
    return total


def ours(tenants, start, end) -> float:
    started = time.perf_counter()
    for tenant in tenants:
        rollup_tenant(tenant=tenant, start=start, end=end)
    return time.perf_counter() - started


def floor(tenants, start, end) -> float:
    """The minimum work for the same figures: each tenant's aggregation into a scratch table, nothing else
    (no upsert into UsageDaily, no counters, incidents, health checks or cache invalidation)."""
    start_at, end_at = day_bounds(start, end)
    elapsed = 0.0
    with connection.cursor() as cursor:
        for tenant in tenants:
            sql = f"CREATE TEMP TABLE rollup_floor AS {aggregate_sql(connection.ops.quote_name(tenant.schema_name))}"
            started = time.perf_counter()
            cursor.execute(sql, {"start": start_at, "end": end_at})
            elapsed += time.perf_counter() - started
            cursor.execute("DROP TABLE rollup_floor")
    return elapsed


def bench_rollup() -> dict:
    """Each run's floor and ours on the same data. The first touch of a schema's tables in a connection
    loads their catalog entries (a few ms per tenant), so the floor runs once untimed before anything is
    timed; one night, a fraction of a second, is timed three times each, alternating, and the medians kept."""
    tenants = list(Tenant.objects.customers().filter(slug__startswith="bench-").select_related("plan"))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    first = yesterday - timedelta(days=89)
    floor(tenants, yesterday, yesterday)
    results = {}
    for label, start, repeat in (("one night", yesterday, 3), ("90-day backfill", first, 1)):
        rows = _raw_rows(tenants, start, yesterday)
        timings = [(floor(tenants, start, yesterday), ours(tenants, start, yesterday)) for _ in range(repeat)]
        floor_seconds = statistics.median(floor_s for floor_s, _ in timings)
        our_seconds = statistics.median(ours_s for _, ours_s in timings)
        results[label] = {
            "raw_rows": rows,
            "ours_seconds": round(our_seconds, 2),
            "floor_seconds": round(floor_seconds, 2),
            "ours_rows_per_s": round(rows / our_seconds),
            "floor_rows_per_s": round(rows / floor_seconds),
            "ratio": round(floor_seconds / our_seconds, 2),
        }
    return results
