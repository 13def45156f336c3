from datetime import date

from django.db.models import QuerySet

from operations.commands_models import Command
from operations.models import Incident


def incident_list(*, tenant=None, status: str = "", severity: str = "") -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("tenant", "acknowledged_by", "resolved_by")
    if tenant is not None:
        incidents = incidents.filter(tenant=tenant)
    if status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity=severity)
    return incidents.order_by("-opened_at", "-id")


def command_list(
    *,
    tenant=None,
    command_type: str = "",
    status: str = "",
    created_by: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Command]:
    commands = Command.objects.select_related("tenant", "created_by")
    if tenant is not None:
        commands = commands.filter(tenant=tenant)
    if command_type:
        commands = commands.filter(type=command_type)
    if status:
        commands = commands.filter(status=status)
    if created_by:
        commands = commands.filter(created_by__email__iexact=created_by)
    if since:
        commands = commands.filter(created_at__date__gte=since)
    if until:
        commands = commands.filter(created_at__date__lte=until)
    return commands.order_by("-created_at")
