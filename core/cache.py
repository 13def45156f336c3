"""Versioned read caches: a roll-up bumps a version instead of hunting keys to delete.

Tenant reads use the tenant's version; staff views across tenants use the global one.
Each entry keeps the version it was computed at, and a read fetches the scope's version and
the entry in one round trip (MGET): an entry from an older version is a miss.
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
    key = f"read:{scope}:{name}"
    with schema_context("public"):
        found = cache.get_many([_version_key(scope), key])
    current = found.get(_version_key(scope))
    entry = found.get(key)
    if current is not None and entry is not None and entry[0] == current:
        return entry[1]
    if current is None:
        current = version(scope)
    value = compute()
    with schema_context("public"):
        cache.set(key, (current, value), ttl)
    return value


def tenant_scope(tenant) -> str:
    return f"tenant-{tenant.pk}"
