from datetime import date

from django.db.models import QuerySet

from operations.commands_models import Command, CommandBatch
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


def command_get(*, command_id) -> Command | None:
    """One command with what its page shows (tenant, author, the command it retries), or None."""
    return Command.objects.select_related("tenant", "created_by", "retry_of").filter(pk=command_id).first()


def batch_get(*, batch_id) -> CommandBatch | None:
    return CommandBatch.objects.filter(pk=batch_id).first()


def batch_commands(*, batch: CommandBatch) -> QuerySet[Command]:
    """A batch's commands with their tenants, by tenant name (one query whatever the batch's size)."""
    return batch.commands.select_related("tenant").order_by("tenant__name")
