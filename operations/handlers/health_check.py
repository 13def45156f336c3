"""HEALTH_CHECK: schema and migrations, database round trip, Redis, integrations, agents' error rates."""

import time

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_redis import get_redis_connection
from django_tenants.utils import schema_exists

from agents.models import TenantAgent
from integrations.adapters import check_integration
from integrations.models import Integration


def _check(name: str, status: str, **numbers) -> dict:
    return {"check": name, "status": status, **numbers}


def health_check(command, progress) -> dict:
    tenant = command.tenant
    checks = []
    progress(5, "Schema and migrations")
    if not schema_exists(tenant.schema_name):
        return {"checks": [_check("schema", "fail", detail="the tenant's schema is missing")], "summary": "fail"}
    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    pending = [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in pending
        if migration.app_label in settings.TENANT_APPS
    ]
    checks.append(_check("schema", "ok", schema=tenant.schema_name))
    checks.append(
        _check("migrations", "fail" if pending else "ok", pending=len(pending), detail=", ".join(pending[:5]))
    )

    progress(20, "Database round trip")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    ms = (time.perf_counter() - started) * 1000
    checks.append(_check("database", "ok" if ms < 100 else "warn", ms=round(ms, 2)))

    progress(35, "Redis")
    started = time.perf_counter()
    try:
        get_redis_connection("default").ping()
        checks.append(_check("redis", "ok", ms=round((time.perf_counter() - started) * 1000, 2)))
    except Exception as exc:
        checks.append(_check("redis", "fail", detail=type(exc).__name__))

    integrations = list(Integration.objects.exclude(status=Integration.Status.DISABLED))
    for index, integration in enumerate(integrations):
        progress(40 + int(40 * index / max(len(integrations), 1)), f"Integration {integration}")
        result = check_integration(integration)
        Integration.objects.filter(pk=integration.pk).update(
            status=result.integration_status,
            last_check_at=timezone.now(),
            last_error=result.detail[:500] if result.status != "ok" else "",
        )
        checks.append(
            _check(
                f"integration:{integration.kind}:{integration.name}", result.status, ms=result.ms, detail=result.detail
            )
        )

    progress(85, "Agents' error rates")
    threshold = settings.USAGE_ERROR_RATE_THRESHOLD
    for agent in TenantAgent.objects.select_related("agent_type"):
        rate = 1 - agent.success_rate_30d if agent.success_rate_30d is not None else 0.0
        status = "fail" if rate > 3 * threshold else "warn" if rate > threshold else "ok"
        if agent.status == TenantAgent.Status.ERROR:
            status = "fail"
        checks.append(
            _check(
                f"agent:{agent.agent_type.code}",
                status,
                error_rate=round(rate, 4),
                requests_30d=agent.requests_30d,
                agent_status=agent.status,
            )
        )

    worst = (
        "fail"
        if any(c["status"] == "fail" for c in checks)
        else "warn"
        if any(c["status"] == "warn" for c in checks)
        else "ok"
    )
    return {"checks": checks, "summary": worst}
