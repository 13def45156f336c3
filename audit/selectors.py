"""Reads of the audit log."""

from datetime import date

from django.db.models import QuerySet

from audit.models import OperationalEvent


def event_list(
    *, tenant=None, actor: str = "", action: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[OperationalEvent]:
    events = OperationalEvent.objects.select_related("tenant")
    if tenant is not None:
        events = events.filter(tenant=tenant)
    if actor:
        events = events.filter(actor_email__iexact=actor)
    if action:
        events = events.filter(action__startswith=action)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")
