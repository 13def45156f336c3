from django.core.cache import cache
from django.db import connection

from alquimista.celery import tenant_task


@tenant_task(name="tenants.ping")
def tenant_ping(tenant, token: str) -> str:
    """Proves a worker runs tenant code inside the tenant's schema; leaves the schema name in the cache."""
    cache.set(f"ping:{token}", connection.schema_name, 120)
    return connection.schema_name
