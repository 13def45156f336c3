"""Each command type's parameters, cleaned and checked against the tenant's own data."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from core.api.params import whole_number
from integrations.models import Integration
from operations.commands_models import CommandType


def _positive_int(parameters: dict, name: str) -> int:
    value = whole_number(parameters.get(name))
    if not value:
        raise ValidationError({name: "A positive whole number is required."})
    return value


def _reset_token_parameters(parameters: dict) -> dict:
    integration_id = _positive_int(parameters, "integration_id")
    if not Integration.objects.filter(pk=integration_id).exists():
        raise ValidationError({"integration_id": "No such integration in this tenant."})
    return {"integration_id": integration_id}


def _restart_agent_parameters(parameters: dict) -> dict:
    agent_id = _positive_int(parameters, "agent_id")
    if not TenantAgent.objects.filter(pk=agent_id).exists():
        raise ValidationError({"agent_id": "No such agent in this tenant."})
    reason = parameters.get("reason", "")
    if not isinstance(reason, str) or "\x00" in reason:
        raise ValidationError({"reason": "Give the reason as text."})
    return {"agent_id": agent_id, "reason": reason[:200]}


def _reprocess_queue_parameters(parameters: dict) -> dict:
    cleaned = {}
    if parameters.get("channel"):
        if parameters["channel"] not in Integration.Kind.values:
            raise ValidationError({"channel": f"One of {', '.join(Integration.Kind.values)}."})
        cleaned["channel"] = parameters["channel"]
    if parameters.get("since"):
        try:
            since = datetime.fromisoformat(str(parameters["since"]))
        except ValueError:
            raise ValidationError({"since": "An ISO 8601 date-time is required."}) from None
        if since.tzinfo is None:
            raise ValidationError({"since": "Include the time zone (e.g. 2026-11-20T00:00:00Z)."})
        cleaned["since"] = since.isoformat()
    if parameters.get("include_uncertain") not in (None, "", False):
        # Messages that were maybe sent (the peer did not confirm): only when a person explicitly asks.
        if parameters["include_uncertain"] not in (True, "true", "on", "1"):
            raise ValidationError({"include_uncertain": "true or false."})
        cleaned["include_uncertain"] = True
    return cleaned


# Each type: the parameters it takes, and the function that cleans them (inside the tenant's schema).
PARAMETERS = {
    CommandType.HEALTH_CHECK: (set(), lambda parameters: {}),
    CommandType.RESET_TOKEN: ({"integration_id"}, _reset_token_parameters),
    CommandType.RESTART_AGENT: ({"agent_id", "reason"}, _restart_agent_parameters),
    CommandType.REPROCESS_QUEUE: ({"channel", "since", "include_uncertain"}, _reprocess_queue_parameters),
}


def parameters_validate(*, tenant, command_type: str, parameters: dict) -> dict:
    """The cleaned parameters for this type, checked against the tenant's own data; ValidationError naming the field."""
    parameters = dict(parameters or {})
    allowed, clean = PARAMETERS[command_type]
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ValidationError({unknown[0]: f"Not a parameter of {command_type}."})
    with tenant_context(tenant):
        return clean(parameters)
