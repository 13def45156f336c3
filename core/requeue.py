"""Work whose task message was lost (the broker was down when it was sent) is sent again by beat.

Each kind of work is committed as pending before its message is published (core.tasks.publish_on_commit);
what is still pending after REQUEUE_AFTER_SECONDS never reached a worker. Starting work is atomic
(a conditional UPDATE from pending), so a message sent twice runs the work once.
"""

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.utils import timezone

logger = structlog.get_logger(__name__)


def requeue_cutoff(now: datetime | None = None) -> datetime:
    """Pending work created before this instant has waited too long for its message."""
    return (now or timezone.now()) - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)


def requeue(work, *, kind: str) -> int:
    """Publish each `(task, *args)` of `work` again; stops at the first broker error (the next sweep goes on)."""
    sent = 0
    for task, *args in work:
        try:
            task.delay(*args)
        except Exception as exc:  # each transport raises its own errors; the next sweep tries again
            logger.warning("requeue_failed", kind=kind, error=type(exc).__name__)
            break
        sent += 1
    if sent:
        logger.info("requeued", kind=kind, count=sent)
    return sent
