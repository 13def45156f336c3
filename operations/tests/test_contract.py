"""Every operations endpoint answers exactly what the OpenAPI contract documents."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.services import event_record
from core.tests.contract import assert_conforms, operation
from operations.commands_models import CommandStatus
from operations.services import incident_open
from operations.tests.factories import CommandFactory

pytestmark = pytest.mark.django_db

COMMANDS = "/api/internal/operations/commands"
COMMAND = "/api/internal/operations/commands/{command_id}"
BATCHES = "/api/internal/operations/batches"
BATCH = "/api/internal/operations/batches/{batch_id}"
EVENTS = "/api/internal/events"


def post(client, path, data=None, **headers):
    return client.post(path, data or {}, content_type="application/json", **headers)


@pytest.fixture
def admin(client_for, public_tenant):
    return client_for(public_tenant, "admin@alquimista.test")


def test_command_create_list_and_detail(admin, acme):
    body = {"tenant_id": acme.pk, "type": "HEALTH_CHECK", "idempotency_key": "contract-1"}
    created = post(admin, COMMANDS, body)
    again = post(admin, COMMANDS, body)
    reused = post(admin, COMMANDS, {**body, "type": "REPROCESS_QUEUE", "parameters": {"channel": "email"}})
    invalid = post(admin, COMMANDS, {"tenant_id": acme.pk, "type": "HEALTH_CHECK", "parameters": {"x": 1}})
    assert [r.status_code for r in (created, again, reused, invalid)] == [201, 200, 409, 400]
    for response in (created, again, reused, invalid):
        assert_conforms(response, "post", COMMANDS)

    now = timezone.now()
    finished = CommandFactory(
        tenant=acme,
        status=CommandStatus.SUCCESS,
        output={"checks": [], "summary": "ok"},
        started_at=now - timedelta(seconds=3),
        finished_at=now,
    )
    listed = admin.get(COMMANDS, {"tenant": acme.pk, "page_size": 5})
    assert listed.status_code == 200 and listed.json()["count"] == 2
    assert_conforms(listed, "get", COMMANDS)
    assert_conforms(admin.get(COMMANDS, {"status": "DONE"}), "get", COMMANDS)

    detail = admin.get(f"{COMMANDS}/{finished.pk}")
    assert detail.status_code == 200 and detail.json()["duration_seconds"] == 3.0
    assert_conforms(detail, "get", COMMAND)
    missing = admin.get(f"{COMMANDS}/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert_conforms(missing, "get", COMMAND)


def test_command_cancel_and_retry(admin, acme):
    command = post(admin, COMMANDS, {"tenant_id": acme.pk, "type": "HEALTH_CHECK"}).json()
    retry_too_soon = post(admin, f"{COMMANDS}/{command['id']}/retry")
    cancelled = post(admin, f"{COMMANDS}/{command['id']}/cancel")
    cancelled_again = post(admin, f"{COMMANDS}/{command['id']}/cancel")
    retried = post(admin, f"{COMMANDS}/{command['id']}/retry")
    assert [r.status_code for r in (retry_too_soon, cancelled, cancelled_again, retried)] == [400, 200, 400, 201]
    assert_conforms(cancelled, "post", f"{COMMAND}/cancel")
    assert_conforms(cancelled_again, "post", f"{COMMAND}/cancel")
    assert_conforms(retried, "post", f"{COMMAND}/retry")
    assert_conforms(retry_too_soon, "post", f"{COMMAND}/retry")


def test_batch_create_and_detail(admin, acme, globex):
    created = post(admin, BATCHES, {"type": "HEALTH_CHECK", "tenant_ids": [acme.pk, globex.pk], "concurrency": 1})
    assert created.status_code == 201 and created.json()["total"] == 2
    assert_conforms(created, "post", BATCHES)
    refused = post(admin, BATCHES, {"type": "HEALTH_CHECK"})
    assert refused.status_code == 400
    assert_conforms(refused, "post", BATCHES)

    detail = admin.get(f"{BATCHES}/{created.json()['id']}")
    assert detail.status_code == 200 and len(detail.json()["commands"]) == 2
    assert_conforms(detail, "get", BATCH)
    missing = admin.get(f"{BATCHES}/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert_conforms(missing, "get", BATCH)


def test_the_audit_log_and_its_csv_export(admin, acme):
    event_record(action="contract.checked", actor=None, tenant=acme, before={"a": 1}, after=None)
    listed = admin.get(EVENTS, {"tenant": acme.pk, "action": "contract."})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert_conforms(listed, "get", EVENTS)
    assert_conforms(admin.get(EVENTS, {"from": "yesterday"}), "get", EVENTS)

    export = admin.get(EVENTS, {"tenant": acme.pk, "export": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert operation("get", EVENTS)["responses"]["200"]["content"]["text/csv"]["schema"] == {"type": "string"}


def test_incidents_a_tenants_own_and_staffs(admin, client_for, acme):
    incident, _ = incident_open(tenant=acme, dedupe_key="contract", title="Queue stuck", severity="warning", source="t")
    tenant_client = client_for(acme, "admin@acme.test")
    own = tenant_client.get("/api/tenant/incidents", {"status": "open"})
    assert own.status_code == 200 and own.json()["count"] >= 1
    assert_conforms(own, "get", "/api/tenant/incidents")
    assert_conforms(tenant_client.get("/api/tenant/incidents", {"severity": "fatal"}), "get", "/api/tenant/incidents")
    unchanged = tenant_client.get("/api/tenant/incidents", {"status": "open"}, HTTP_IF_NONE_MATCH=own["ETag"])
    assert unchanged.status_code == 304
    assert_conforms(unchanged, "get", "/api/tenant/incidents")

    listed = admin.get("/api/internal/incidents", {"tenant": acme.pk})
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    assert_conforms(listed, "get", "/api/internal/incidents")
    assert_conforms(admin.get("/api/internal/incidents", {"tenant": "x"}), "get", "/api/internal/incidents")

    for transition in ("acknowledge", "resolve"):
        path = f"/api/internal/incidents/{{incident_id}}/{transition}"
        moved = post(admin, f"/api/internal/incidents/{incident.pk}/{transition}")
        assert moved.status_code == 200
        assert_conforms(moved, "post", path)
    again = post(admin, f"/api/internal/incidents/{incident.pk}/resolve")
    assert again.status_code == 400
    assert_conforms(again, "post", "/api/internal/incidents/{incident_id}/resolve")
    assert_conforms(post(admin, "/api/internal/incidents/999999/acknowledge"), "post", path)
