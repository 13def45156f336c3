"""Incidents: opening them once, and moving them through their states."""

import structlog
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import event_record
from operations.models import Incident
from webhooks.services import webhook_emit

logger = structlog.get_logger(__name__)


def incident_open(*, tenant, dedupe_key: str, title: str, detail: str = "", severity: str, source: str):
    """Open an incident once per (tenant, dedupe_key); returns (incident, created)."""

    existing = Incident.objects.filter(tenant=tenant, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                tenant=tenant, dedupe_key=dedupe_key, title=title[:200], detail=detail, severity=severity, source=source
            )
            webhook_emit(tenant=tenant, event_type="incident.opened", data=_incident_data(incident))
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
        if to == "resolve":
            webhook_emit(tenant=incident.tenant, event_type="incident.resolved", data=_incident_data(incident))
    return incident


def _incident_data(incident) -> dict:
    fields = ("title", "severity", "source", "status", "dedupe_key")
    return {"incident_id": incident.pk, **{name: getattr(incident, name) for name in fields}}
