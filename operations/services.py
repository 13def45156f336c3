"""Writing the audit log."""

import structlog

from operations.models import OperationalEvent

logger = structlog.get_logger(__name__)


def _request_meta(request) -> dict:
    if request is None:
        return {"request_id": "", "ip": None}
    from alquimista.observability.client_ip import client_ip

    return {"request_id": getattr(request, "request_id", ""), "ip": client_ip(request)}


def event_record(
    *,
    action: str,
    actor=None,
    actor_email: str = "",
    tenant=None,
    target_type: str = "",
    target_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    request=None,
) -> OperationalEvent:
    """Append one audit event. `before`/`after` must never hold secret values."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None  # API-key principals are not users; they name themselves in actor_email
    if tenant is not None and getattr(tenant, "is_public", False):
        tenant = None
    event = OperationalEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=actor_email or (actor.email if actor is not None else ""),
        tenant=tenant,
        tenant_slug=tenant.slug if tenant is not None else "",
        target_type=target_type,
        target_id=str(target_id) if target_id != "" else "",
        before=before,
        after=after,
        **_request_meta(request),
    )
    logger.info(
        "audit_event", action=action, actor=event.actor_email, target_type=target_type, target_id=event.target_id
    )
    return event


def incident_open(*, tenant, dedupe_key: str, title: str, detail: str = "", severity: str, source: str):
    """Open an incident once per (tenant, dedupe_key); returns (incident, created)."""
    from django.db import IntegrityError, transaction

    from operations.models import Incident

    existing = Incident.objects.filter(tenant=tenant, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                tenant=tenant, dedupe_key=dedupe_key, title=title[:200], detail=detail, severity=severity, source=source
            )
    except IntegrityError:  # opened concurrently by another run
        return Incident.objects.get(tenant=tenant, dedupe_key=dedupe_key), False
    logger.info("incident_opened", tenant=tenant.schema_name, key=dedupe_key, severity=severity)
    return incident, True


INCIDENT_TRANSITIONS = {"acknowledge": ("open",), "resolve": ("open", "acknowledged")}


def incident_transition(*, incident, to: str, actor, request=None):
    """acknowledge (open → acknowledged) or resolve (open/acknowledged → resolved); audited.

    A conditional UPDATE, so two people pressing at once change it once; an illegal move
    raises ValidationError naming `status`.
    """
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from operations.models import Incident

    if to not in INCIDENT_TRANSITIONS:
        raise ValidationError({"status": f"Unknown transition {to!r}."})
    now = timezone.now()
    fields = (
        {"status": Incident.Status.ACKNOWLEDGED, "acknowledged_at": now, "acknowledged_by": actor}
        if to == "acknowledge"
        else {"status": Incident.Status.RESOLVED, "resolved_at": now, "resolved_by": actor}
    )
    with transaction.atomic():
        before = incident.status
        updated = Incident.objects.filter(pk=incident.pk, status__in=INCIDENT_TRANSITIONS[to]).update(**fields)
        if not updated:
            raise ValidationError({"status": f"An incident that is {incident.status} cannot be {to}d."})
        incident.refresh_from_db()
        event_record(
            action=f"incident.{to}d",
            actor=actor,
            tenant=incident.tenant,
            target_type="incident",
            target_id=incident.pk,
            before={"status": before},
            after={"status": incident.status},
            request=request,
        )
    return incident
