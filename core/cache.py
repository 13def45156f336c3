"""Versioned read caches: a roll-up bumps a version instead of hunting keys to delete.

Tenant reads use the tenant's version; staff views across tenants use the global one.
Redis errors are ignored by the cache backend, so a down Redis means uncached reads.
"""

from django.core.cache import cache
from django_tenants.utils import schema_context

READ_TTL_SECONDS = 300
GLOBAL = "global"


def _version_key(scope: str) -> str:
    return f"read-version:{scope}"


def version(scope: str) -> int:
    with schema_context("public"):
        return cache.get_or_set(_version_key(scope), 1, None) or 1


def bump(scope: str) -> None:
    with schema_context("public"):
        try:
            cache.incr(_version_key(scope))
        except ValueError:
            cache.set(_version_key(scope), 2, None)


def cached_read(scope: str, name: str, compute, ttl: int = READ_TTL_SECONDS):
    key = f"read:{scope}:v{version(scope)}:{name}"
    with schema_context("public"):
        value = cache.get(key)
    if value is None:
        value = compute()
        with schema_context("public"):
            cache.set(key, value, ttl)
    return value


def tenant_scope(tenant) -> str:
    return f"tenant-{tenant.pk}"
