"""A command's free-text parameter holding NUL is a 400 naming it, and no command is recorded (issue 13, item 11)."""

import json

from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from operations.commands_models import Command


def test_a_restart_agent_reason_with_nul_is_a_400_naming_it(client_for, public_tenant, acme):
    with tenant_context(acme):
        agent_id = TenantAgent.objects.values_list("pk", flat=True).first()
    before = Command.objects.count()
    body = {"tenant_id": acme.pk, "type": "RESTART_AGENT", "parameters": {"agent_id": agent_id, "reason": "x\u0000"}}
    response = client_for(public_tenant, "admin@alquimista.test").post(
        "/api/internal/operations/commands", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "parameters.reason": ["Text may not contain NUL characters or unpaired surrogates."]
    }
    assert Command.objects.count() == before
