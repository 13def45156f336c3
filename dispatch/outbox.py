"""The outbox: deliver queued messages with retries; failed ones wait for REPROCESS_QUEUE."""

from datetime import datetime

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from core.requeue import requeue, requeue_cutoff
from core.tasks import publish_on_commit
from dispatch.models import DispatchDecision, DispatchRun, OutboundMessage
from dispatch.selectors import dispatch_refusal
from dispatch.senders import SENDERS, SendFailed, SendMaybeSent
from operations.handlers.reprocess_queue import register_reprocessor

logger = structlog.get_logger(__name__)


def deliver(message_id: int, *, tenant) -> str:
    """Try one delivery of a queued message (inside its tenant's schema). Returns the new status.

    A message already sent is never sent again. The row is claimed with a conditional UPDATE (queued →
    sending, the attempt counted) committed before the peer is contacted, and the outcome recorded after:
    no lock or transaction is held across the network, and a second delivery of the same message at the
    same time (a task redelivered while the first worker still runs) finds it claimed and skips it. On a
    refusal the message is queued again for the retry; after DISPATCH_MAX_ATTEMPTS it is left failed for
    REPROCESS_QUEUE. A peer that may have taken it without confirming (a timeout after the message was
    handed over) leaves it uncertain: not retried, not re-sent by the stale-work sweep or REPROCESS_QUEUE
    unless a person asks for uncertain messages.

    The tenant must still be allowed to send (dispatch_refusal) at delivery time: the flag may have
    been cleared, or the tenant suspended, after the message was queued. Such a message is not sent
    and is marked failed with the reason, attempts untouched, rather than left queued: a held message
    should be visible, not re-driven by the stale-work sweep every few minutes. It goes out only when a
    person re-drives it with REPROCESS_QUEUE once dispatch is allowed again, never by itself.
    """
    queued = OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
    refusal = dispatch_refusal(tenant)
    if refusal:
        return _held(queued, refusal)
    if not queued.update(
        status=OutboundMessage.Status.SENDING, sending_since=timezone.now(), attempts=F("attempts") + 1
    ):
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)
    try:
        SENDERS[message.channel](message)
    except SendMaybeSent as failure:
        return _maybe_sent(message, failure)
    except SendFailed as failure:
        # SendFailed text is sanitised by the senders: the exception class and the SMTP/HTTP code, no contact details.
        if _refused(message, failure) == "failed":
            return "failed"
        raise  # after the attempt is recorded: the task retries with backoff
    except Exception as exc:  # a fault before the peer was reached (a sender's own bug): the claim is released
        _refused(message, SendFailed(type(exc).__name__))
        raise
    # A claim the sweep meanwhile judged "maybe sent" (a very slow peer) was sent after all.
    OutboundMessage.objects.filter(
        pk=message.pk, status__in=(OutboundMessage.Status.SENDING, OutboundMessage.Status.UNCERTAIN)
    ).update(status=OutboundMessage.Status.SENT, sent_at=timezone.now(), last_error="")
    if message.decision_id:
        DispatchDecision.objects.filter(pk=message.decision_id).update(sent=True, error="")
    return "sent"


def _held(queued, refusal: str) -> str:
    held = gettext("Not sent: %(refusal)s.") % {"refusal": refusal}
    message = queued.first()
    if message is None or not queued.update(status=OutboundMessage.Status.FAILED, last_error=held):
        return "skipped"
    DispatchDecision.objects.filter(pk=message.decision_id).update(error=held)
    return "held"


def _refused(message: OutboundMessage, failure: SendFailed) -> str:
    """The peer did not take it: queued for the retry, or failed once the attempts are spent."""
    exhausted = message.attempts >= settings.DISPATCH_MAX_ATTEMPTS
    status = OutboundMessage.Status.FAILED if exhausted else OutboundMessage.Status.QUEUED
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING).update(
        status=status, last_error=str(failure)[:500]
    )
    DispatchDecision.objects.filter(pk=message.decision_id).update(error=str(failure)[:300])
    return status


def _maybe_sent(message: OutboundMessage, failure: SendMaybeSent) -> str:
    """The peer may have it: left for a person, who sees why in the outbox and the dispatch log."""
    reason = gettext("Maybe sent (%(failure)s): the server did not confirm in time. Check before sending it again.") % {
        "failure": str(failure)[:120]
    }
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING).update(
        status=OutboundMessage.Status.UNCERTAIN, last_error=reason[:500]
    )
    DispatchDecision.objects.filter(pk=message.decision_id).update(error=reason[:300])
    logger.warning("outbox_maybe_sent", message=message.pk, channel=message.channel, error=str(failure)[:120])
    return "uncertain"


def enqueue_delivery(message: OutboundMessage) -> None:
    from dispatch.tasks import deliver_message  # noqa: PLC0415  (cycle: the tasks call this module)

    publish_on_commit(deliver_message, connection.schema_name, message.pk)


def stale_work_requeue(*, now=None) -> int:
    """Inside a tenant's schema: send again the pending runs and queued messages older than
    REQUEUE_AFTER_SECONDS, whose message never reached a worker (Redis was down when it was sent, or a
    retry could not be published). Runs start only from pending and a message is delivered only by the
    one delivery that claims it while queued, so a duplicate message does nothing.

    A message still "sending" past the cutoff lost its worker mid-conversation: it may have been sent,
    so it becomes uncertain for a person instead of being sent again."""
    from dispatch.tasks import deliver_message, dispatch_run_task  # noqa: PLC0415  (cycle: the tasks call this module)

    cutoff = requeue_cutoff(now)
    schema = connection.schema_name
    _stale_claims_mark(cutoff)
    runs = DispatchRun.objects.filter(status=DispatchRun.Status.PENDING, created_at__lt=cutoff)
    messages = OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED, created_at__lt=cutoff)
    work = [
        *((dispatch_run_task, schema, run_id) for run_id in runs.values_list("pk", flat=True)),
        *((deliver_message, schema, message_id) for message_id in messages.values_list("pk", flat=True)),
    ]
    return requeue(work, kind="dispatch")


def _stale_claims_mark(cutoff) -> int:
    reason = gettext("Maybe sent: the delivery stopped while talking to the server. Check before sending it again.")
    return OutboundMessage.objects.filter(status=OutboundMessage.Status.SENDING, sending_since__lt=cutoff).update(
        status=OutboundMessage.Status.UNCERTAIN, last_error=reason
    )


def reprocess_failed(*, channel: str | None, since: datetime | None, include_uncertain: bool = False) -> dict:
    """Re-queue failed messages (optionally one channel, since a time); safe to run twice.

    Runs inside the tenant's schema; when the tenant may not send (dispatch_refusal), nothing is re-queued.
    Messages that were maybe sent are re-queued only when the person asks for them (`include_uncertain`):
    the recipient may already have them (their Message-ID is stable, so a client can spot the duplicate).
    """

    refusal = dispatch_refusal(connection.tenant)
    if refusal:
        return {"requeued": 0, "refused": refusal}
    statuses = [OutboundMessage.Status.FAILED]
    if include_uncertain:
        statuses.append(OutboundMessage.Status.UNCERTAIN)
    failed = OutboundMessage.objects.filter(status__in=statuses)
    if channel:
        failed = failed.filter(channel=channel)
    if since:
        failed = failed.filter(created_at__gte=since)
    requeued = 0
    with transaction.atomic():
        for message in failed.select_for_update(skip_locked=True):
            OutboundMessage.objects.filter(pk=message.pk, status__in=statuses).update(
                status=OutboundMessage.Status.QUEUED, attempts=0
            )
            enqueue_delivery(message)
            requeued += 1
    return {"requeued": requeued}


def register() -> None:
    register_reprocessor("dispatch_outbox", reprocess_failed)
