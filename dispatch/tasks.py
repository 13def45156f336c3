import structlog
from celery import shared_task
from django_tenants.utils import tenant_context

from core.tasks import tenant_task
from dispatch.outbox import deliver, stale_work_requeue
from dispatch.senders import SendFailed
from dispatch.services import dispatch_run
from tenants.models import Tenant


@tenant_task(name="dispatch.run", acks_late=True)
def dispatch_run_task(tenant, run_id: int) -> str:
    return dispatch_run(tenant=tenant, run_id=run_id).status


@tenant_task(
    name="dispatch.deliver",
    acks_late=True,
    autoretry_for=(SendFailed,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
)
def deliver_message(tenant, message_id: int) -> str:
    # deliver() counts attempts and stops at DISPATCH_MAX_ATTEMPTS ("failed"); a SendFailed before that is retried with backoff.

    return deliver(message_id, tenant=tenant)


@shared_task(name="dispatch.requeue_all")
def requeue_all() -> int:
    """Every tenant's stale dispatch work sent again (dispatch.outbox.stale_work_requeue); one tenant
    failing does not stop the others."""

    requeued = 0
    for tenant in Tenant.objects.with_schema():
        try:
            with tenant_context(tenant):
                requeued += stale_work_requeue()
        except Exception as exc:
            structlog.get_logger(__name__).warning(
                "dispatch_requeue_failed", tenant=tenant.slug, error=type(exc).__name__
            )
    return requeued
