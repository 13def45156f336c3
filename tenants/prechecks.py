"""Capacity checks before a tenant is provisioned: each returns its numbers and whether it passes."""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection


@dataclass(frozen=True)
class Precheck:
    name: str
    ok: bool
    used: float
    limit: float
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def connections_check() -> Precheck:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        used = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    headroom = settings.PROVISION_MIN_FREE_CONNECTIONS_PERCENT / 100
    ok = used <= limit * (1 - headroom)
    return Precheck(
        "postgres_connections", ok, used, limit, f"{used} of {limit} connections in use (keep {headroom:.0%} free)"
    )


def database_size_check() -> Precheck:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        used = cursor.fetchone()[0]
    budget = settings.PROVISION_DATABASE_BUDGET_BYTES
    ok = used <= budget * 0.9
    return Precheck(
        "database_size",
        ok,
        used,
        budget,
        f"{used / 2**20:.0f} MiB of a {budget / 2**30:.1f} GiB budget (keep 10% free)",
    )


def redis_memory_check() -> Precheck:
    try:
        info = get_redis_connection("default").info("memory")
    except Exception as exc:
        return Precheck("redis_memory", False, 0, 0, f"Redis unreachable ({type(exc).__name__})")
    used = info.get("used_memory", 0)
    limit = info.get("maxmemory") or settings.PROVISION_REDIS_BUDGET_BYTES
    ok = used <= limit * 0.9
    return Precheck(
        "redis_memory", ok, used, limit, f"{used / 2**20:.1f} MiB of {limit / 2**20:.0f} MiB (keep 10% free)"
    )


def prechecks_run() -> list[Precheck]:
    return [connections_check(), database_size_check(), redis_memory_check()]
