import csv
import io
import json

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from audit.models import OperationalEvent
from audit.services import event_record
from operations.models import Incident
from operations.services import incident_open
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_events_cannot_be_updated_or_deleted(acme):
    event = event_record(action="test.thing", tenant=acme, after={"x": 1})

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OperationalEvent.objects.filter(pk=event.pk).update(action="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OperationalEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE operations_operationalevent SET after = '{}' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert (event.action, event.after) == ("test.thing", {"x": 1})


def test_deleting_the_actor_keeps_the_event_and_who_it_was():
    user = User.objects.create_user(email="leaver@alquimista.test", password="x" * 12)
    event = event_record(action="test.done", actor=user)

    user.delete()

    event.refresh_from_db()
    assert event.actor_id is None
    assert event.actor_email == "leaver@alquimista.test"


def test_clearing_the_actor_cannot_smuggle_other_changes():
    user = User.objects.create_user(email="sly@alquimista.test", password="x" * 12)
    event = event_record(action="test.done", actor=user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE operations_operationalevent SET actor_id = NULL, action = 'x' WHERE id = %s", [event.pk])


def test_the_audit_log_cannot_be_truncated(acme):
    event = event_record(action="test.thing", tenant=acme)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the insert's deferred FK checks, as a commit would

    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE operations_operationalevent")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tenants_tenant CASCADE")

    assert OperationalEvent.objects.filter(pk=event.pk).exists()


def test_deleting_the_tenant_keeps_which_tenant_it_was_in_api_csv_and_page(client_for, public_tenant):
    gone = Tenant.objects.create(schema_name="gone_co", slug="gone-co", name="Gone Co", status="archived")
    event = event_record(action="tenant.archived", tenant=gone, after={"status": "archived"})
    assert event.tenant_slug == "gone-co"

    gone.delete()

    event.refresh_from_db()
    assert (event.tenant_id, event.tenant_slug) == (None, "gone-co")
    client = client_for(public_tenant, "support@alquimista.test")
    listed = client.get("/api/internal/events", {"action": "tenant.archived"}).json()
    assert [e["tenant"] for e in listed["results"] if e["id"] == event.pk] == ["gone-co"]
    export = client.get("/api/internal/events", {"action": "tenant.archived", "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row["tenant"] for row in rows if row["after"] == '{"status": "archived"}'] == ["gone-co"]
    assert b"gone-co" in client.get("/app/company/events", {"action": "tenant.archived"}).content


def test_events_csv_writes_before_and_after_as_json(client_for, public_tenant, acme):
    event_record(action="test.csv", tenant=acme, before={"status": "open", "n": 1}, after={"ok": True, "x": None})
    event_record(action="test.csv", tenant=acme)

    export = client_for(public_tenant, "support@alquimista.test").get(
        "/api/internal/events", {"action": "test.csv", "export": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(row["before"], row["after"]) for row in rows] == [
        ("", ""),
        ('{"n": 1, "status": "open"}', '{"ok": true, "x": null}'),
    ]
    assert json.loads(rows[1]["after"]) == {"ok": True, "x": None}


def test_incident_status_is_read_only_in_the_django_admin(client_for, public_tenant, acme):
    incident, _ = incident_open(tenant=acme, dedupe_key="admin-test", title="Slow", severity="warning", source="test")
    client = client_for(public_tenant, "admin@alquimista.test")
    url = f"/admin/operations/incident/{incident.pk}/change/"

    page = client.get(url)
    response = client.post(url, {"severity": "critical", "title": "Slow", "detail": "", "status": "resolved"})

    assert page.status_code == 200 and b'name="status"' not in page.content
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.severity, incident.status, incident.resolved_at) == ("critical", Incident.Status.OPEN, None)
