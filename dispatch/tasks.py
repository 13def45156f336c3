from alquimista.celery import tenant_task
from dispatch.senders import SendFailed


@tenant_task(name="dispatch.run", acks_late=True)
def dispatch_run_task(tenant, run_id: int) -> str:
    from dispatch.services import dispatch_run

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
    from dispatch.outbox import deliver

    return deliver(message_id, tenant=tenant)
