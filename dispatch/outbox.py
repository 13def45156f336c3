"""The outbox: deliver queued messages with retries; failed ones wait for REPROCESS_QUEUE."""

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.requeue import requeue, requeue_cutoff
from core.tasks import publish_on_commit
from dispatch.models import DispatchDecision, DispatchRun, OutboundMessage
from dispatch.selectors import dispatch_refusal
from dispatch.senders import SENDERS, SendFailed
from operations.handlers.reprocess_queue import register_reprocessor


def deliver(message_id: int, *, tenant) -> str:
    """Try one delivery of a queued message (inside its tenant's schema). Returns the new status.

    A message already sent is never sent again. On failure the attempt is counted; after
    DISPATCH_MAX_ATTEMPTS it is left failed for REPROCESS_QUEUE.

    The tenant must still be allowed to send (dispatch_refusal) at delivery time: the flag may have
    been cleared, or the tenant suspended, after the message was queued. Such a message is not sent
    and is marked failed with the reason, attempts untouched, rather than left queued: a held message
    should be visible, not re-driven by the stale-work sweep every few minutes. It goes out only when a
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
    from dispatch.tasks import deliver_message  # noqa: PLC0415  (cycle: the tasks call this module)

    publish_on_commit(deliver_message, connection.schema_name, message.pk)


def stale_work_requeue(*, now=None) -> int:
    """Inside a tenant's schema: send again the pending runs and queued messages older than
    REQUEUE_AFTER_SECONDS, whose message never reached a worker (Redis was down when it was sent, or a
    retry could not be published). Runs start only from pending and a message is delivered under a row
    lock and only while queued, so a duplicate message does nothing."""
    from dispatch.tasks import deliver_message, dispatch_run_task  # noqa: PLC0415  (cycle: the tasks call this module)

    cutoff = requeue_cutoff(now)
    schema = connection.schema_name
    runs = DispatchRun.objects.filter(status=DispatchRun.Status.PENDING, created_at__lt=cutoff)
    messages = OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, created_at__lt=cutoff)
    work = [
        *((dispatch_run_task, schema, run_id) for run_id in runs.values_list("pk", flat=True)),
        *((deliver_message, schema, message_id) for message_id in messages.values_list("pk", flat=True)),
    ]
    return requeue(work, kind="dispatch")


def reprocess_failed(*, channel: str | None, since: datetime | None) -> dict:
    """Re-queue failed messages (optionally one channel, since a time); safe to run twice.

    Runs inside the tenant's schema; when the tenant may not send (dispatch_refusal), nothing is re-queued.
    """

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
    register_reprocessor("dispatch_outbox", reprocess_failed)
