"""Dispatch runs: decide a channel for each lead, log the decision, and (only when enabled) queue the message."""

from collections import Counter
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django_tenants.utils import tenant_context

from audit.services import event_record
from core.tasks import publish_on_commit
from dispatch.decision import DispatchContext, LeadFacts, decide
from dispatch.messages import ics_invite, render
from dispatch.models import DispatchDecision, DispatchRun, Lead, OutboundMessage
from dispatch.outbox import enqueue_delivery
from dispatch.selectors import dispatch_enabled_for
from integrations.models import Integration
from tenants.models import Tenant
from webhooks.services import webhook_emit

logger = structlog.get_logger("alquimista.dispatch")
SENDABLE = ("whatsapp", "email", "calendar")


def dispatch_flag_set(*, tenant, enabled: bool, actor, request=None) -> None:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = bool(locked.settings.get("dispatch_enabled"))
        locked.settings = {**locked.settings, "dispatch_enabled": bool(enabled)}
        locked.save(update_fields=["settings"])
        event_record(
            action="dispatch.flag_changed",
            actor=actor,
            tenant=locked,
            target_type="tenant",
            target_id=locked.pk,
            before={"dispatch_enabled": before},
            after={"dispatch_enabled": bool(enabled)},
            request=request,
        )
    tenant.settings = locked.settings


def dispatch_run_create(*, tenant, actor, dry_run: bool, batch_size: int, request=None) -> DispatchRun:
    """Record a run; it is dry whenever dispatch is not enabled for the tenant, whatever was asked."""
    from dispatch.tasks import dispatch_run_task  # noqa: PLC0415  (cycle: the tasks call this module)

    if not 1 <= batch_size <= 5000:
        raise ValidationError({"batch_size": "Between 1 and 5000."})
    if tenant.status != "active":
        raise ValidationError({"tenant": "Dispatch runs only for active tenants."})
    with tenant_context(tenant):
        run = DispatchRun.objects.create(
            started_by_email=actor.email,
            started_by_id=actor.pk,
            dry_run=dry_run or not dispatch_enabled_for(tenant),
            batch_size=batch_size,
        )

    publish_on_commit(dispatch_run_task, tenant.schema_name, run.pk)
    event_record(
        action="dispatch.run_started",
        actor=actor,
        tenant=tenant,
        target_type="dispatch_run",
        target_id=run.pk,
        after={"dry_run": run.dry_run, "batch_size": batch_size},
        request=request,
    )
    return run


def _facts(lead: Lead) -> LeadFacts:
    return LeadFacts(
        status=lead.status,
        last_contacted_at=lead.last_contacted_at,
        time_zone=lead.time_zone,
        wants_meeting=lead.wants_meeting,
        email=lead.email,
        phone=lead.phone,
        whatsapp_opt_in=lead.whatsapp_opt_in,
        email_opt_in=lead.email_opt_in,
    )


def dispatch_run(*, tenant, run_id: int, now=None) -> DispatchRun:
    """Process up to `batch_size` leads (inside the tenant's schema). Idempotent per lead and day.

    Only a pending run starts (a redelivered task for a running or finished run does nothing). A run
    that raises is marked failed with the exception's class, never its text (it can quote lead data),
    and keeps the decisions made before it; it never stays "running".
    """
    now = now or timezone.now()
    updated = DispatchRun.objects.filter(pk=run_id, status=DispatchRun.Status.PENDING).update(
        status=DispatchRun.Status.RUNNING, started_at=now
    )
    run = DispatchRun.objects.get(pk=run_id)
    if not updated:
        return run
    if tenant.status != "active":  # suspended or archived since the run was created: decide nothing
        DispatchRun.objects.filter(pk=run.pk).update(
            status=DispatchRun.Status.FAILED, finished_at=timezone.now(), error=f"Refused: tenant is {tenant.status}."
        )
        run.refresh_from_db()
        return run
    counts = Counter()
    try:
        dry_run = _run_batch(tenant=tenant, run=run, now=now, counts=counts)
    except Exception as exc:
        logger.error("dispatch_run_failed", tenant=tenant.slug, run=run.pk, error=type(exc).__name__)
        DispatchRun.objects.filter(pk=run.pk, status=DispatchRun.Status.RUNNING).update(
            status=DispatchRun.Status.FAILED,
            finished_at=timezone.now(),
            counts=dict(counts),
            error=f"The run stopped on an unexpected {type(exc).__name__}; the decisions made before it are kept.",
        )
        return _run_finished(tenant, run)
    DispatchRun.objects.filter(pk=run.pk).update(
        status=DispatchRun.Status.DONE, finished_at=timezone.now(), counts=dict(counts), dry_run=dry_run
    )
    return _run_finished(tenant, run)


def _run_finished(tenant, run: DispatchRun) -> DispatchRun:
    run.refresh_from_db()
    data = {"run_id": run.pk, "status": run.status, "dry_run": run.dry_run, "counts": run.counts}
    webhook_emit(tenant=tenant, event_type="dispatch_run.finished", data=data)
    return run


def _run_batch(*, tenant, run: DispatchRun, now, counts: Counter) -> bool:
    """Decide (and when enabled queue) one batch, counting into `counts`; returns whether it was dry."""
    dry_run = run.dry_run or not dispatch_enabled_for(tenant)
    active = frozenset(
        Integration.objects.filter(kind__in=SENDABLE, status=Integration.Status.OK).values_list("kind", flat=True)
    )
    sent_last_hour = Counter(
        OutboundMessage.objects.filter(created_at__gte=now - timedelta(hours=1)).values_list("channel", flat=True)
    )
    context = DispatchContext(
        now=now,
        cooldown=timedelta(days=settings.DISPATCH_COOLDOWN_DAYS),
        quiet_start_hour=settings.DISPATCH_QUIET_START_HOUR,
        quiet_end_hour=settings.DISPATCH_QUIET_END_HOUR,
        active_channels=active,
        rate_per_hour=settings.DISPATCH_RATE_PER_HOUR,
        sent_this_hour=sent_last_hour,
    )
    # Never-contacted leads first (PostgreSQL sorts NULL last by default, which starved them behind
    # cooled-down ones), then the longest since contact. Do-not-contact leads are decided too, so the
    # log has a DO_NOT_CONTACT line for them, but only after everyone else: they never fill a batch
    # that leads who may be contacted are waiting for.
    leads = Lead.objects.alias(
        do_not_contact=Case(When(status=Lead.Status.DO_NOT_CONTACT, then=Value(1)), default=Value(0))
    ).order_by("do_not_contact", F("last_contacted_at").asc(nulls_first=True), "pk")[: run.batch_size]
    for lead in leads:
        decision = decide(_facts(lead), context)
        if decision.outcome == "send":
            sent_last_hour[decision.channel] += 1  # the context sees this Counter: the run's own sends count too
        message = render(decision.channel, lead) if decision.channel != "none" else ""
        with transaction.atomic():
            row = DispatchDecision.objects.create(
                run=run,
                lead=lead,
                channel=decision.channel,
                reason_code=decision.reason_code,
                reason=decision.reason,
                message=message,
                dry_run=dry_run,
            )
            if decision.outcome == "send" and not dry_run:
                _queue(lead, decision.channel, message, row, now)
        counts[f"channel:{decision.channel}"] += 1
        counts[f"reason:{decision.reason_code}"] += 1
        logger.info(
            "dispatch_decision",
            tenant=tenant.slug,
            run=run.pk,
            lead_id=lead.pk,
            channel=decision.channel,
            reason=decision.reason_code,
            dry_run=dry_run,
        )
        DispatchRun.objects.filter(pk=run.pk).update(
            processed=sum(v for k, v in counts.items() if k.startswith("channel:"))
        )
    return dry_run


def _queue(lead: Lead, channel: str, body: str, decision: DispatchDecision, now) -> None:
    recipient = lead.phone if channel == "whatsapp" else lead.email
    payload = {
        "body": body,
        "subject": "Alquimista" if channel == "email" else "Invitation: Alquimista introduction call",
    }
    if channel == "calendar":
        start = (now + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
        payload["ics"] = ics_invite(
            lead=lead, start=start, organizer=settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">")
        )
    message, created = OutboundMessage.objects.get_or_create(
        dedupe_key=f"{lead.pk}:{channel}:{now.date().isoformat()}",
        defaults={"decision": decision, "lead": lead, "channel": channel, "recipient": recipient, "payload": payload},
    )
    if created:
        Lead.objects.filter(pk=lead.pk).update(
            last_contacted_at=now, status=Lead.Status.SCHEDULED if channel == "calendar" else Lead.Status.CONTACTED
        )
        enqueue_delivery(message)


LEAD_AUDITED_FIELDS = ("status", "preferred_channel", "whatsapp_opt_in", "email_opt_in", "wants_meeting")


def _lead_audit(action: str, *, lead_id: int, actor, request, after: dict | None = None) -> None:
    """A lead's change in the audit log: by id, never its name or contacts."""
    event_record(
        action=action,
        actor=actor,
        tenant=connection.tenant,
        target_type="lead",
        target_id=lead_id,
        after=after,
        request=request,
    )


def lead_create(*, data: dict, actor, request=None) -> Lead:
    """Create a lead from validated fields in the current tenant's schema; audited."""
    with transaction.atomic():
        lead = Lead.objects.create(**data)
        _lead_audit("lead.created", lead_id=lead.pk, actor=actor, request=request)
    return lead


def lead_update(*, lead: Lead, data: dict, actor, request=None) -> Lead:
    """Change a lead's validated fields; audited with the names of the fields changed (values only for flags)."""
    changed = sorted(name for name, value in data.items() if getattr(lead, name) != value)
    with transaction.atomic():
        for name, value in data.items():
            setattr(lead, name, value)
        lead.save(update_fields=[*data] or None)
        after = {"fields": changed, **{name: data[name] for name in changed if name in LEAD_AUDITED_FIELDS}}
        _lead_audit("lead.updated", lead_id=lead.pk, actor=actor, request=request, after=after)
    return lead


def lead_delete(*, lead: Lead, actor, request=None) -> None:
    with transaction.atomic():
        lead_id = lead.pk
        lead.delete()
        _lead_audit("lead.deleted", lead_id=lead_id, actor=actor, request=request)
