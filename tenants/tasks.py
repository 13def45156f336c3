from django.core.cache import cache
from django.db import connection

from alquimista.celery import app, tenant_task


@tenant_task(name="tenants.ping")
def tenant_ping(tenant, token: str) -> str:
    """Proves a worker runs tenant code inside the tenant's schema; leaves the schema name in the cache."""
    cache.set(f"ping:{token}", connection.schema_name, 120)
    return connection.schema_name


@app.task(name="tenants.provision", acks_late=True)
def provision_tenant(run_id: str) -> str:
    from tenants.provisioning import provisioning_run

    return provisioning_run(run_id).status


@app.task(name="tenants.backup_all", autoretry_for=(Exception,), retry_backoff=300, max_retries=3)
def backup_all_task() -> str:
    from tenants.backups import backup_all

    return backup_all().location


@app.task(name="tenants.rotate_credentials")
def rotate_credentials_task() -> int:
    from django.conf import settings

    from tenants.lifecycle import scheduled_rotations

    return scheduled_rotations(max_age_days=settings.CREDENTIAL_ROTATION_DAYS)
