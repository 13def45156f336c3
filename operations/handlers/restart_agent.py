from django.db import transaction

from agents.models import TenantAgent
from operations.handlers.base import CommandFailed


def restart_agent(command, progress) -> dict:
    """agent → restarting → active, restart count + 1, reason recorded. A paused agent is refused."""
    with transaction.atomic():
        agent = (
            TenantAgent.objects.select_for_update()
            .select_related("agent_type")
            .filter(pk=command.parameters["agent_id"])
            .first()
        )
        if agent is None:
            raise CommandFailed("The agent no longer exists.")
        if agent.status == TenantAgent.Status.PAUSED:
            raise CommandFailed(f"{agent.agent_type.name} is paused; resume it before restarting.")
        previous = agent.status
        TenantAgent.objects.filter(pk=agent.pk).update(status=TenantAgent.Status.RESTARTING)
    progress(50, f"Restarting {agent.agent_type.name}")
    reason = command.parameters.get("reason") or "restart requested by operations"
    TenantAgent.objects.filter(pk=agent.pk).update(
        status=TenantAgent.Status.ACTIVE, restart_count=agent.restart_count + 1, last_restart_reason=reason[:300]
    )
    return {
        "agent_id": agent.pk,
        "agent": agent.agent_type.code,
        "previous_status": previous,
        "status": "active",
        "restart_count": agent.restart_count + 1,
        "reason": reason,
    }
