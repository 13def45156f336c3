"""Incidents the roll-up opens: agents' daily error rates and plan quota thresholds."""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django_tenants.utils import schema_context

from accounts.models import Membership
from accounts.roles import Role
from agents.models import AgentType
from operations.models import Incident
from operations.services import incident_open
from usage.models import UsageDaily

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
    from usage.tasks import quota_mail_task

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
            transaction.on_commit(lambda incident_id=incident.pk: quota_mail_task.delay(incident_id))
    return opened


def _quota_mail_sent_key(incident_id: int) -> str:
    return f"quota-mail-sent:{incident_id}"


def quota_mail_send(*, incident_id: int) -> int:
    """E-mail a quota incident to the tenant's active admins; returns recipients mailed.

    Raises when the mail server refuses, so the task retries. A second delivery of a sent
    alert sends nothing.
    """
    from operations.models import Incident

    with schema_context("public"):
        if cache.get(_quota_mail_sent_key(incident_id)):
            return 0
    incident = Incident.objects.select_related("tenant").get(pk=incident_id)
    tenant = incident.tenant
    recipients = list(
        Membership.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    if recipients:
        send_mail(
            subject=f"[Alquimista] {tenant.name}: {incident.title}",
            message=f"{incident.detail}\n\nSee your usage in the client dashboard.",
            from_email=None,
            recipient_list=recipients,
        )
    with schema_context("public"):
        cache.set(_quota_mail_sent_key(incident_id), 1, 60 * 60 * 24 * 40)
    return len(recipients)
