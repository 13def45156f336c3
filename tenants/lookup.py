"""Host name → tenant, cached in Redis (django-tenants queries the domain on every request)."""

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context

from tenants.models import Domain, Tenant

CACHE_PREFIX = "tenant-host:"


def _key(hostname: str) -> str:
    return f"{CACHE_PREFIX}{hostname}"


def tenant_for_host(hostname: str) -> Tenant:
    """The tenant serving `hostname`; raises Domain.DoesNotExist for unknown hosts."""
    cached = cache.get(_key(hostname))
    if cached is not None:
        return cached
    tenant = Domain.objects.select_related("tenant", "tenant__plan").get(domain=hostname).tenant
    cache.set(_key(hostname), tenant, settings.TENANT_CACHE_SECONDS)
    return tenant


def forget_hosts(hostnames: list[str]) -> None:
    # Cache keys carry the current schema (django_tenants.cache.make_key); lookups always run in public.
    with schema_context("public"):
        cache.delete_many([_key(hostname) for hostname in hostnames])
