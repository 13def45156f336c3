"""The benchmark dataset: N tenants (cloned schemas), 5 agents each, 90 days of agent requests.

Requests are generated inside PostgreSQL (INSERT … SELECT over generate_series): the same rows a
COPY would load, without shipping ten million rows through a client. Daily shape: weekdays
busy, weekends quiet, a slow growth over the quarter; hourly shape: business hours.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from alquimista.demo import PLANS
from tenants.models import Plan, Tenant
from tenants.services import public_tenant_ensure, template_schema_sync, tenant_create
from usage.demo import CATALOGUE, catalogue_ensure

HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 8, 6, 4, 3, 2, 1, 1]
HOURS = [hour for hour, weight in enumerate(HOUR_WEIGHTS) for _ in range(weight)]

GENERATE_SQL = """
INSERT INTO {schema}.usage_agentrequest (agent_id, started_at, duration_ms, outcome, tokens_in, tokens_out, channel, error_code)
SELECT agents[1 + floor(random() * 5)::int],
       d + make_interval(hours => (%(hours)s::int[])[1 + floor(random() * %(hour_count)s)::int],
                         secs => floor(random() * 3600)::int),
       least(60000, exp(6.6 + 0.9 * (random() + random() + random() - 1.5))::int),
       o.outcome,
       (200 + random() * 1400)::int, (80 + random() * 820)::int, 'email',
       CASE WHEN o.outcome = 'success' THEN '' ELSE 'upstream_5xx' END
FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz, interval '1 day') d
CROSS JOIN LATERAL generate_series(1, (%(per_day)s * (CASE extract(isodow FROM d) WHEN 6 THEN 0.45 WHEN 7 THEN 0.3 ELSE 1.0 END)
                                       * (0.8 + 0.4 * extract(epoch FROM d - %(start)s::timestamptz) / (90 * 86400)))::int) n
CROSS JOIN LATERAL (SELECT CASE WHEN r < 0.012 THEN 'error' WHEN r < 0.015 THEN 'timeout' ELSE 'success' END AS outcome
                    FROM (SELECT random() + n * 0 AS r) x) o
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS agents FROM {schema}.agents_tenantagent) a
"""


def platform_ready() -> dict:
    public_tenant_ensure()
    template_schema_sync()
    for spec in PLANS:
        # The limiter runs on every request (its cost is measured) but never refuses the load generator.
        unlimited = {"api_requests_per_minute": 10**9, "ingest_rows_per_minute": 10**9}
        Plan.objects.update_or_create(code=spec["code"], defaults={**spec, **unlimited})
    return catalogue_ensure()


def tenants_create(count: int, start_index: int = 0, *, prefix: str = "bench", agents: bool = True) -> list[float]:
    """Create tenants <prefix>-0001… by cloning (with the 5 agents unless `agents` is false); seconds per tenant."""
    plan = Plan.objects.get(code="growth")
    types = catalogue_ensure()
    timings = []
    for index in range(start_index, start_index + count):
        started = time.perf_counter()
        tenant = tenant_create(slug=f"{prefix}-{index:04d}", name=f"{prefix.title()} {index:04d}", plan=plan)
        timings.append(time.perf_counter() - started)
        if agents:
            with tenant_context(tenant):
                TenantAgent.objects.bulk_create([TenantAgent(agent_type=types[spec["code"]]) for spec in CATALOGUE])
        connection.close()  # as each provisioning task does (tenants.tasks.provision_tenant)
    return timings


def requests_generate(*, per_tenant_day: int, days: int = 90) -> int:
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    total = 0
    for tenant in Tenant.objects.customers().filter(slug__startswith="bench-"):
        schema = connection.ops.quote_name(tenant.schema_name)
        with connection.cursor() as cursor:
            cursor.execute(
                GENERATE_SQL.format(schema=schema),
                {
                    "hours": HOURS,
                    "hour_count": len(HOURS),
                    "start": start,
                    "end": end,
                    "per_day": per_tenant_day,
                },
            )
            total += cursor.rowcount
            cursor.execute(f"ANALYZE {schema}.usage_agentrequest")
    return total
