"""The outbox: deliver queued messages with retries; failed ones wait for REPROCESS_QUEUE."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dispatch.models import DispatchDecision, OutboundMessage
from dispatch.selectors import dispatch_refusal
from dispatch.senders import SENDERS, SendFailed


def deliver(message_id: int, *, tenant) -> str:
    """Try one delivery of a queued message (inside its tenant's schema). Returns the new status.

    A message already sent is never sent again. On failure the attempt is counted; after
    DISPATCH_MAX_ATTEMPTS it is left failed for REPROCESS_QUEUE.

    The tenant must still be allowed to send (dispatch_refusal) at delivery time: the flag may have
    been cleared, or the tenant suspended, after the message was queued. Such a message is not sent
    and is marked failed with the reason, attempts untouched, rather than left queued: nothing ever
    picks up a queued message again, and a held message should be visible. It goes out only when a
    person re-drives it with REPROCESS_QUEUE once dispatch is allowed again, never by itself.
    """
    with transaction.atomic():
        # The row stays locked while it is sent: a second delivery of the same message at the same time
        # (a task redelivered while the first worker still runs) skips it instead of sending it twice.
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
            .first()
        )
        if message is None:
            return "skipped"
        refusal = dispatch_refusal(tenant)
        if refusal:
            held = f"Not sent: {refusal}."
            OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.FAILED, last_error=held)
            DispatchDecision.objects.filter(pk=message.decision_id).update(error=held)
            return "held"
        try:
            SENDERS[message.channel](message)
        except SendFailed as failure:
            # SendFailed text is sanitised by the senders: the exception class and the SMTP/HTTP code, no contact details.
            attempts = message.attempts + 1
            exhausted = attempts >= settings.DISPATCH_MAX_ATTEMPTS
            OutboundMessage.objects.filter(pk=message.pk).update(
                attempts=attempts,
                last_error=str(failure)[:500],
                status=OutboundMessage.Status.FAILED if exhausted else OutboundMessage.Status.QUEUED,
            )
            DispatchDecision.objects.filter(pk=message.decision_id).update(error=str(failure)[:300])
            if exhausted:
                return "failed"
            retry = failure
        else:
            OutboundMessage.objects.filter(pk=message.pk).update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            if message.decision_id:
                DispatchDecision.objects.filter(pk=message.decision_id).update(sent=True, error="")
            return "sent"
    raise retry  # after the attempt is committed: the task retries with backoff


def enqueue_delivery(message: OutboundMessage) -> None:
    from django.db import connection

    from dispatch.tasks import deliver_message

    schema = connection.schema_name
    transaction.on_commit(lambda: deliver_message.delay(schema, message.pk))


def reprocess_failed(*, channel: str | None, since: datetime | None) -> dict:
    """Re-queue failed messages (optionally one channel, since a time); safe to run twice.

    Runs inside the tenant's schema; when the tenant may not send (dispatch_refusal), nothing is re-queued.
    """
    from django.db import connection

    refusal = dispatch_refusal(connection.tenant)
    if refusal:
        return {"requeued": 0, "refused": refusal}
    failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED)
    if channel:
        failed = failed.filter(channel=channel)
    if since:
        failed = failed.filter(created_at__gte=since)
    requeued = 0
    with transaction.atomic():
        for message in failed.select_for_update(skip_locked=True):
            OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.FAILED).update(
                status=OutboundMessage.Status.QUEUED, attempts=0
            )
            enqueue_delivery(message)
            requeued += 1
    return {"requeued": requeued}


def register() -> None:
    from operations.handlers.reprocess_queue import register_reprocessor

    register_reprocessor("dispatch_outbox", reprocess_failed)
