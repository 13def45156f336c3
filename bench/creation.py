"""Seconds to create one tenant by cloning and by migrations, as the number of schemas grows."""

import time

from django.db import connection
from django.test import override_settings

from tenants.models import Plan, Tenant
from tenants.services import tenant_create


def _once(slug: str, clone: bool) -> float:
    plan = Plan.objects.get(code="starter")
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=clone):
        started = time.perf_counter()
        tenant = tenant_create(slug=slug, name=slug, plan=plan)
        elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(tenant.schema_name)} CASCADE")
    Tenant.objects.filter(pk=tenant.pk).delete()
    return elapsed


def creation_at(existing: int) -> dict:
    clone = sorted(_once(f"probe-clone-{existing}-{i}", True) for i in range(3))[1]
    migrate = _once(f"probe-migrate-{existing}", False)
    return {"existing_tenants": existing, "clone_seconds": round(clone, 3), "migrate_seconds": round(migrate, 3)}
