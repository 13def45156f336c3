from django.db import transaction
from django.db.models import F

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
    # F(): the row lock is gone by now; another restart may have counted meanwhile.
    TenantAgent.objects.filter(pk=agent.pk).update(
        status=TenantAgent.Status.ACTIVE, restart_count=F("restart_count") + 1, last_restart_reason=reason[:300]
    )
    restart_count = TenantAgent.objects.filter(pk=agent.pk).values_list("restart_count", flat=True).first()
    return {
        "agent_id": agent.pk,
        "agent": agent.agent_type.code,
        "previous_status": previous,
        "status": "active",
        "restart_count": restart_count,
        "reason": reason,
    }
