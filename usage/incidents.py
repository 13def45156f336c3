"""Incidents the roll-up opens: agents' daily error rates and plan quota thresholds."""

from datetime import date, timedelta

import structlog
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Membership
from accounts.roles import Role
from agents.models import AgentType
from core.mail import MailMaybeSent, mail_message_id, mail_send_once
from core.tasks import publish_on_commit
from operations.models import Incident
from operations.services import incident_open
from usage.models import UsageDaily
from webhooks.services import webhook_emit

logger = structlog.get_logger(__name__)

QUOTA_THRESHOLDS = (80, 90, 100)
QUOTA_SEVERITY = {80: Incident.Severity.INFO, 90: Incident.Severity.WARNING, 100: Incident.Severity.CRITICAL}


def error_rate_incidents_open(*, tenant, start: date, end: date, today: date) -> int:
    """One incident per agent and day whose (errors + timeouts) / requests passes the threshold.

    Only closed UTC days (before `today`) are judged: today's partial roll-up, refreshed every
    15 minutes, would raise false alarms on the first few requests of the day.
    """
    threshold = settings.USAGE_ERROR_RATE_THRESHOLD
    names = None  # agent names, read once an incident needs one
    opened = 0
    rows = UsageDaily.objects.filter(
        tenant=tenant,
        day__range=(start, end),
        day__lt=today,
        requests__gte=settings.USAGE_ERROR_RATE_MIN_REQUESTS,
    ).values_list("agent_type_id", "day", "requests", "errors", "timeouts")
    for agent_type_id, day, requests, errors, timeouts in rows:
        rate = (errors + timeouts) / requests
        if rate <= threshold:
            continue
        if names is None:
            names = dict(AgentType.objects.values_list("id", "name"))
        _, created = incident_open(
            tenant=tenant,
            dedupe_key=f"error-rate:{agent_type_id}:{day.isoformat()}",
            title=f"{names.get(agent_type_id, 'Agent')}: {rate:.1%} of requests failed on {day.isoformat()}",
            detail=f"{errors} errors and {timeouts} timeouts in {requests} requests (threshold {threshold:.0%}).",
            severity=Incident.Severity.CRITICAL if rate > 3 * threshold else Incident.Severity.WARNING,
            source="rollup",
        )
        opened += created
    return opened


def month_usage(*, tenant, month_of: date) -> dict:
    first = month_of.replace(day=1)
    totals = UsageDaily.objects.filter(tenant=tenant, day__gte=first, day__lte=month_of).aggregate(
        requests=Sum("requests"), tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out")
    )
    return {"requests": totals["requests"] or 0, "tokens": (totals["tokens_in"] or 0) + (totals["tokens_out"] or 0)}


def quota_incidents_open(*, tenant, month_of: date) -> int:
    """At 80 %, 90 % and 100 % of a plan limit in the month: one incident each, and the tenant admins told.

    The e-mail goes out from a Celery task with retries, enqueued once the incident is committed:
    a mail server that is down delays the e-mail instead of losing it.
    """
    from usage.tasks import quota_mail_task  # noqa: PLC0415  (cycle: the tasks call this module)

    plan = tenant.plan
    if plan is None:
        return 0
    used = month_usage(tenant=tenant, month_of=month_of)
    limits = {"requests": plan.requests_per_month, "tokens": plan.tokens_per_month}
    month = month_of.strftime("%Y-%m")
    passed = {
        f"quota:{metric}:{month}:{threshold}": (metric, limit, threshold)
        for metric, limit in limits.items()
        if limit
        for threshold in QUOTA_THRESHOLDS
        if used[metric] * 100 / limit >= threshold
    }
    # Thresholds already opened this month (the usual case night after night) in one query, not one each.
    already = set(Incident.objects.filter(tenant=tenant, dedupe_key__in=passed).values_list("dedupe_key", flat=True))
    opened = 0
    for dedupe_key, (metric, limit, threshold) in passed.items():
        if dedupe_key in already:
            continue
        incident, created = incident_open(
            tenant=tenant,
            dedupe_key=dedupe_key,
            title=f"{threshold}% of the monthly {metric} limit reached ({month})",
            detail=f"{used[metric]:,} of {limit:,} {metric} used in {month} on the {plan.name} plan.",
            severity=QUOTA_SEVERITY[threshold],
            source="quota",
        )
        if created:
            opened += 1
            publish_on_commit(quota_mail_task, incident.pk)  # a broker outage: the quota-mail sweep sends it
            data = {"metric": metric, "threshold": threshold, "used": used[metric], "limit": limit, "month": month}
            webhook_emit(tenant=tenant, event_type="quota.threshold", data={"incident_id": incident.pk, **data})
    return opened


def quota_mail_send(*, incident_id: int) -> int:
    """E-mail a quota incident to the tenant's active admins at most once; returns recipients mailed.

    The incident is claimed with a conditional UPDATE (notification "" → sending) committed before the
    mail server is contacted, and the outcome recorded after: no row lock or transaction is held across
    the SMTP conversation, so people can acknowledge the incident meanwhile, and a second delivery of the
    task (or the sweep beside it) finds the claim and sends nothing. A refusal releases the claim and
    raises, so the caller retries; a timeout after the message was handed over leaves it "maybe mailed"
    for a person (never re-sent by itself). The Message-ID is derived from the incident.
    """
    claimed = Incident.objects.filter(
        pk=incident_id, notified_at__isnull=True, notification=Incident.Notification.NONE
    ).update(notification=Incident.Notification.SENDING, notification_started_at=timezone.now())
    if not claimed:
        return 0
    try:
        incident = Incident.objects.select_related("tenant").get(pk=incident_id)
        recipients = list(
            Membership.objects.filter(tenant=incident.tenant, role=Role.TENANT_ADMIN, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
        if recipients:
            mail_send_once(_quota_mail(incident, recipients))
    except MailMaybeSent as failure:
        _quota_notification_record(incident_id, Incident.Notification.UNCERTAIN)
        logger.warning("quota_mail_maybe_sent", incident=incident_id, error=str(failure))
        return 0
    except Exception:
        _quota_notification_record(incident_id, Incident.Notification.NONE)  # nothing went out: free to try again
        raise
    _quota_notification_record(incident_id, Incident.Notification.SENT, notified_at=timezone.now())
    return len(recipients)


def _quota_mail(incident: Incident, recipients: list[str]) -> EmailMessage:
    return EmailMessage(
        subject=gettext("[Alquimista] %(tenant)s: %(title)s")
        % {"tenant": incident.tenant.name, "title": incident.title},
        body=gettext("%(detail)s\n\nSee your usage in the client dashboard.") % {"detail": incident.detail},
        to=recipients,
        headers={"Message-ID": mail_message_id("quota-alert", incident.pk)},
    )


def _quota_notification_record(incident_id: int, notification: str, **fields) -> None:
    """Record the outcome of the claimed mail (only while it is still this delivery's claim)."""
    Incident.objects.filter(pk=incident_id, notification=Incident.Notification.SENDING).update(
        notification=notification, **fields
    )


def quota_mails_uncertain_mark(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Claims older than `older_than` (the worker died mid-conversation) become "maybe mailed" for a person."""
    return Incident.objects.filter(
        notification=Incident.Notification.SENDING, notification_started_at__lt=timezone.now() - older_than
    ).update(notification=Incident.Notification.UNCERTAIN)


def quota_mails_unsent(*, older_than: timedelta = timedelta(minutes=15), within: timedelta = timedelta(days=7)):
    """Quota alerts opened but never mailed: their task was lost (broker down at enqueue) or gave up.

    Those younger than `older_than` are left to the task enqueued when they were opened.
    """
    now = timezone.now()
    return Incident.objects.filter(
        source="quota",
        notified_at__isnull=True,
        notification=Incident.Notification.NONE,
        opened_at__lt=now - older_than,
        opened_at__gte=now - within,
    ).order_by("opened_at")


def quota_mails_sweep() -> int:
    """Mail every alert `quota_mails_unsent` finds; one failing does not stop the others. Returns mails sent.

    Alerts being mailed or maybe mailed are not among them; a claim whose worker died becomes maybe mailed.
    """
    quota_mails_uncertain_mark()
    sent = 0
    for incident_id in quota_mails_unsent().values_list("pk", flat=True):
        try:
            sent += bool(quota_mail_send(incident_id=incident_id))
        except Exception:  # the mail server refused: the next sweep tries again
            logger.warning("quota_mail_failed", incident=incident_id, exc_info=True)
    return sent
