from celery import shared_task

from core.requeue import requeue
from webhooks.services import deliveries_due, delivery_attempt


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(delivery_id: str) -> str | None:
    delivery = delivery_attempt(delivery_id)
    return delivery.status if delivery else None


@shared_task(name="webhooks.sweep")
def sweep() -> int:
    """Beat, every minute: retries that are due, and deliveries whose first message never reached a worker."""
    return requeue(((deliver, delivery_id) for delivery_id in deliveries_due()), kind="webhook")
