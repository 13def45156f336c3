"""Integration health from the agents' own traffic: repeated authorisation failures on a channel."""

from django.conf import settings

from integrations.models import Integration
from operations.models import Incident
from operations.services import incident_open
from usage.models import AgentRequest

AUTH_FAILURE_CODES = ("auth_failed", "unauthorized", "token_expired", "invalid_token")


def integration_health_check(*, tenant) -> int:
    """Mark an integration "reauthorization required" after N consecutive auth failures on its channel.

    Only requests started after the integration's last token rotation count: failures with the old
    token say nothing about the new one. Runs inside the tenant's schema (rollup_tenant enters it).
    Returns incidents opened.
    """
    needed = settings.INTEGRATION_AUTH_FAILURES_BEFORE_REAUTH
    opened = 0
    for integration in Integration.objects.exclude(status=Integration.Status.DISABLED):
        requests = AgentRequest.objects.filter(channel=integration.kind)
        if integration.token_rotated_at is not None:
            requests = requests.filter(started_at__gt=integration.token_rotated_at)
        recent = list(requests.order_by("-started_at").values_list("error_code", flat=True)[: max(needed, 50)])
        streak = 0
        for code in recent:
            if code not in AUTH_FAILURE_CODES:
                break
            streak += 1
        fields = {"consecutive_auth_failures": streak}
        if streak >= needed and integration.status != Integration.Status.REAUTH_REQUIRED:
            fields.update(
                status=Integration.Status.REAUTH_REQUIRED, last_error=f"{streak} consecutive authorisation failures"
            )
            _, created = incident_open(
                tenant=tenant,
                dedupe_key=f"reauth:{integration.pk}:v{integration.token_version}",
                title=f"{integration.get_kind_display()} integration “{integration.name}” needs reauthorization",
                detail=(
                    f"The {integration.get_kind_display()} channel failed authorisation {streak} times in a row "
                    f"for integration “{integration.name}”. Reconnect it or reset its token."
                ),
                severity=Incident.Severity.CRITICAL,
                source="integration-health",
            )
            opened += created
        Integration.objects.filter(pk=integration.pk).update(**fields)
    return opened
