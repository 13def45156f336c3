import structlog
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from accounts.models import User
from accounts.services import set_password_email_send
from core.tasks import publish_on_commit, tenant_task
from tenants.backups import backup_all
from tenants.lifecycle import scheduled_rotations
from tenants.models import Tenant
from tenants.provisioning import provisioning_reap, provisioning_requeue, provisioning_run

logger = structlog.get_logger(__name__)


@tenant_task(name="tenants.ping")
def tenant_ping(tenant, token: str) -> str:
    """Proves a worker runs tenant code inside the tenant's schema; leaves the schema name in the cache."""
    cache.set(f"ping:{token}", connection.schema_name, 120)
    return connection.schema_name


@shared_task(name="tenants.provision", acks_late=True)
def provision_tenant(run_id: str) -> str:
    try:
        return provisioning_run(run_id).status
    finally:
        # A PostgreSQL backend that created schemas keeps per-session catalog caches that make each
        # further clone slower (0.25 s → 0.7 s over 40 clones on one connection, flat on fresh ones):
        # the worker's next task starts on a new connection.
        connection.close()


@shared_task(name="tenants.backup_all", autoretry_for=(Exception,), retry_backoff=300, max_retries=3)
def backup_all_task() -> str:
    return backup_all(actor_email="scheduler").location


@shared_task(name="tenants.rotate_credentials")
def rotate_credentials_task() -> int:
    return scheduled_rotations(max_age_days=settings.CREDENTIAL_ROTATION_DAYS)


@shared_task(name="tenants.owner_set_password_email", autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def owner_set_password_email(user_id: int, tenant_id: int, reason: str = "created") -> bool:
    """E-mail a tenant's owner a set-password link (never a password). Retried: SMTP may be down for a while."""

    user = User.objects.filter(pk=user_id, is_active=True).first()
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if user is None or tenant is None:
        return False
    set_password_email_send(user=user, tenant=tenant, reason=reason)
    return True


def owner_set_password_email_enqueue(*, user_id: int, tenant_id: int, reason: str = "created") -> None:
    """Queue the set-password e-mail once the caller's transaction commits; a broker failure is logged, not raised."""
    publish_on_commit(owner_set_password_email, user_id, tenant_id, reason)


@shared_task(name="tenants.reap_provisioning_runs")
def reap_provisioning_runs() -> int:
    return provisioning_reap()


@shared_task(name="tenants.requeue_provisioning_runs")
def requeue_provisioning_runs() -> int:
    return provisioning_requeue()
