"""Idempotent ingestion: a row's client event_id is unique per tenant, a resent batch is counted once (issue 14)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.api_keys import api_key_create
from tenants.models import Tenant
from usage.models import AgentRequest, UsageDirtyDay

pytestmark = pytest.mark.django_db

URL = "/api/tenant/agent-requests"
STARTED = datetime.now(UTC) - timedelta(days=3)


def key_client(tenant) -> Client:
    _, raw = api_key_create(tenant=tenant, name="agent", scopes=["ingest"])
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")


def row(event_id=None, **overrides) -> dict:
    data = {"agent": "email-nurture", "started_at": STARTED.isoformat(), "duration_ms": 640, "outcome": "success"}
    if event_id is not None:
        data["event_id"] = event_id
    return {**data, **overrides}


def send(client, rows):
    return client.post(URL, {"requests": rows}, content_type="application/json")


def stored_event_ids(tenant) -> list[str]:
    with tenant_context(tenant):
        return sorted(AgentRequest.objects.exclude(event_id="").values_list("event_id", flat=True))


def raw_count(tenant) -> int:
    with tenant_context(tenant):
        return AgentRequest.objects.count()


def test_the_same_batch_twice_is_stored_once_and_the_resend_reports_duplicates(acme):
    client = key_client(acme)
    before = raw_count(acme)
    batch = [row("evt-1"), row("evt-2", outcome="error", error_code="x")]

    first = send(client, batch)
    again = send(client, batch)

    assert first.status_code == 201 and first.json() == {"accepted": 2, "duplicates": 0}
    assert again.status_code == 201 and again.json() == {"accepted": 0, "duplicates": 2}
    assert raw_count(acme) == before + 2
    assert stored_event_ids(acme) == ["evt-1", "evt-2"]


def test_a_batch_mixing_new_seen_and_unnamed_rows_counts_each(acme):
    client = key_client(acme)
    send(client, [row("evt-1")])
    before = raw_count(acme)

    response = send(client, [row("evt-1"), row("evt-3"), row(), row(event_id="")])

    assert response.status_code == 201 and response.json() == {"accepted": 3, "duplicates": 1}
    assert raw_count(acme) == before + 3
    assert stored_event_ids(acme) == ["evt-1", "evt-3"]


def test_rows_without_an_event_id_are_stored_every_time(acme):
    client = key_client(acme)
    before = raw_count(acme)
    assert send(client, [row(), row()]).json() == {"accepted": 2, "duplicates": 0}
    assert send(client, [row(), row()]).json() == {"accepted": 2, "duplicates": 0}
    assert raw_count(acme) == before + 4


def test_the_same_event_id_twice_in_one_batch_is_a_400_naming_the_later_row_and_stores_nothing(acme):
    before = raw_count(acme)
    response = send(key_client(acme), [row("evt-1"), row("evt-2"), row("evt-1")])
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"requests": {"2": {"event_id": ["Repeats the event_id of row 0."]}}}
    assert raw_count(acme) == before


@pytest.mark.parametrize(
    "event_id, message",
    [
        ("e" * 101, "Ensure this field has no more than 100 characters."),
        (42, "Not a valid string."),
    ],
)
def test_an_event_id_that_is_not_text_of_at_most_100_is_refused_with_the_whole_batch(acme, event_id, message):
    before = raw_count(acme)
    response = send(key_client(acme), [row("evt-1"), row(event_id)])
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"requests": {"1": {"event_id": [message]}}}
    assert raw_count(acme) == before


def test_event_ids_are_unique_per_tenant_not_across_tenants(acme, globex):
    assert send(key_client(acme), [row("evt-shared")]).json() == {"accepted": 1, "duplicates": 0}
    assert send(key_client(globex), [row("evt-shared")]).json() == {"accepted": 1, "duplicates": 0}
    assert stored_event_ids(acme) == stored_event_ids(globex) == ["evt-shared"]


def test_a_batch_of_duplicates_only_marks_no_day_for_the_roll_up(acme):
    client = key_client(acme)
    send(client, [row("evt-1")])
    with tenant_context(acme):
        UsageDirtyDay.objects.all().delete()
    assert send(client, [row("evt-1")]).json() == {"accepted": 0, "duplicates": 1}
    with tenant_context(acme):
        assert not UsageDirtyDay.objects.exists()
    send(client, [row("evt-2")])
    with tenant_context(acme):
        assert list(UsageDirtyDay.objects.values_list("day", flat=True)) == [STARTED.date()]


def test_every_tenant_schema_and_the_template_have_the_unique_index_and_public_has_none():
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname FROM pg_indexes WHERE indexname = 'agentrequest_event_unique'")
        schemas = {name for (name,) in cursor.fetchall()}
    tenants = set(Tenant.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    assert schemas == tenants | {"tenant_template"}
