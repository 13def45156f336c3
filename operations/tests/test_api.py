import csv
import io
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from agents.models import TenantAgent
from alquimista.celery import app
from audit.models import OperationalEvent
from audit.services import event_record
from conftest import free_port
from integrations.models import Integration
from operations.commands import command_run
from operations.commands_models import Command
from operations.models import Incident
from operations.services import incident_open, incident_transition
from operations.tasks import reap_commands
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client_for, public_tenant):
    return {role: client_for(public_tenant, f"{role}@alquimista.test") for role in ("admin", "support")}


def post(client, path, data=None, **headers):
    return client.post(path, data or {}, content_type="application/json", **headers)


def test_create_then_same_idempotency_key_returns_200_with_the_same_command(staff, acme):
    body = {"tenant_id": acme.pk, "type": "HEALTH_CHECK", "idempotency_key": "k-1"}
    first = post(staff["support"], "/api/internal/operations/commands", body)
    again = post(staff["support"], "/api/internal/operations/commands", body)
    header = post(
        staff["support"],
        "/api/internal/operations/commands",
        {"tenant_id": acme.pk, "type": "HEALTH_CHECK"},
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert (first.status_code, again.status_code, header.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == header.json()["id"]
    assert first.json()["status"] == "PENDING" and first.json()["tenant"] == "acme"


def test_support_cannot_create_reset_token_and_nothing_is_written(staff, acme):
    with tenant_context(acme):
        integration = Integration.objects.first()
    before = Command.objects.count()
    response = post(
        staff["support"],
        "/api/internal/operations/commands",
        {"tenant_id": acme.pk, "type": "RESET_TOKEN", "parameters": {"integration_id": integration.pk}},
    )
    assert response.status_code == 403
    assert Command.objects.count() == before
    assert (
        post(
            staff["admin"],
            "/api/internal/operations/commands",
            {"tenant_id": acme.pk, "type": "RESET_TOKEN", "parameters": {"integration_id": integration.pk}},
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "HEALTH_CHECK"}, "tenant_id"),
        ({"tenant_id": 999999, "type": "HEALTH_CHECK"}, "tenant_id"),
        ({"tenant_id": "ACME", "type": "HEALTH_CHECK"}, "tenant_id"),
        ({"type": "NUKE"}, "type"),
        ({"type": "RESTART_AGENT", "parameters": {"agent_id": 424242}}, "agent_id"),
    ],
)
def test_bad_requests_name_the_field(staff, acme, body, field):
    body = {"tenant_id": acme.pk, **body} if "tenant_id" not in body and field != "tenant_id" else body
    before = Command.objects.count()
    response = post(staff["admin"], "/api/internal/operations/commands", body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert Command.objects.count() == before


def test_list_filters_cancel_and_retry(staff, acme, globex):
    created = post(
        staff["admin"], "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"}
    ).json()
    post(staff["admin"], "/api/internal/operations/commands", {"tenant_id": globex.pk, "type": "HEALTH_CHECK"})

    listed = staff["support"].get("/api/internal/operations/commands", {"tenant": acme.pk, "status": "PENDING"}).json()
    assert [c["id"] for c in listed["results"]] == [created["id"]]
    assert staff["support"].get("/api/internal/operations/commands", {"status": "DONE"}).status_code == 400

    cancelled = post(staff["support"], f"/api/internal/operations/commands/{created['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert post(staff["support"], f"/api/internal/operations/commands/{created['id']}/cancel").status_code == 400
    retry = post(staff["support"], f"/api/internal/operations/commands/{created['id']}/retry")
    assert retry.status_code == 201 and retry.json()["retry_of"] == created["id"]
    assert staff["support"].get(f"/api/internal/operations/commands/{created['id']}").json()["status"] == "CANCELLED"


def test_batch_by_filter_creates_one_command_per_matching_tenant(staff):
    response = post(
        staff["admin"], "/api/internal/operations/batches", {"type": "HEALTH_CHECK", "plan": "growth", "concurrency": 1}
    )
    assert response.status_code == 201 and response.json()["total"] == 1
    detail = staff["support"].get(f"/api/internal/operations/batches/{response.json()['id']}").json()
    assert [c["tenant"] for c in detail["commands"]] == ["acme"]
    assert post(staff["admin"], "/api/internal/operations/batches", {"type": "HEALTH_CHECK"}).status_code == 400


def test_events_filter_and_export_csv(staff, acme):
    post(staff["admin"], "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"})
    listed = (
        staff["support"]
        .get("/api/internal/events", {"action": "command.created", "actor": "admin@alquimista.test"})
        .json()
    )
    assert (
        listed["count"]
        == OperationalEvent.objects.filter(action="command.created", actor_email="admin@alquimista.test").count()
        >= 1
    )
    assert {e["action"] for e in listed["results"]} == {"command.created"}

    export = staff["support"].get("/api/internal/events", {"tenant": acme.pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:4] == ["created_at", "actor_email", "tenant", "action"]
    assert len(rows) - 1 == OperationalEvent.objects.filter(tenant=acme).count()
    assert staff["support"].get("/api/internal/events", {"from": "yesterday"}).status_code == 400


@pytest.mark.parametrize("path", ["/api/internal/operations/commands", "/api/internal/events"])
@pytest.mark.parametrize("value", ["²", "١", "-1", "1.5"])
def test_a_crafted_tenant_filter_is_400_naming_tenant(staff, path, value):
    response = staff["admin"].get(path, {"tenant": value})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["tenant"]


@pytest.mark.parametrize(
    "command_type, parameters, field",
    [
        ("RESET_TOKEN", {"integration_id": "²"}, "integration_id"),
        ("RESTART_AGENT", {"agent_id": "²"}, "agent_id"),
        ("RESTART_AGENT", {"agent_id": "0"}, "agent_id"),
        ("RESTART_AGENT", {"agent_id": -3}, "agent_id"),
    ],
)
def test_crafted_id_parameters_are_400_naming_the_field(staff, acme, command_type, parameters, field):
    before = Command.objects.count()
    response = post(
        staff["admin"],
        "/api/internal/operations/commands",
        {"tenant_id": acme.pk, "type": command_type, "parameters": parameters},
    )
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field]
    assert Command.objects.count() == before


def test_support_cannot_cancel_or_retry_a_reset_token_command_and_nothing_changes(staff, acme):
    with tenant_context(acme):
        integration = Integration.objects.first()
    pending = post(
        staff["admin"],
        "/api/internal/operations/commands",
        {"tenant_id": acme.pk, "type": "RESET_TOKEN", "parameters": {"integration_id": integration.pk}},
    ).json()
    failed = post(
        staff["admin"],
        "/api/internal/operations/commands",
        {"tenant_id": acme.pk, "type": "RESET_TOKEN", "parameters": {"integration_id": integration.pk}},
    ).json()
    Command.objects.filter(pk=failed["id"]).update(status="ERROR")
    commands_before = Command.objects.count()
    events_before = OperationalEvent.objects.count()

    cancel = post(staff["support"], f"/api/internal/operations/commands/{pending['id']}/cancel")
    retry = post(staff["support"], f"/api/internal/operations/commands/{failed['id']}/retry")

    assert (cancel.status_code, retry.status_code) == (403, 403)
    assert Command.objects.get(pk=pending["id"]).status == "PENDING"
    assert Command.objects.count() == commands_before and OperationalEvent.objects.count() == events_before
    assert post(staff["admin"], f"/api/internal/operations/commands/{pending['id']}/cancel").status_code == 200


def test_an_idempotency_key_reused_for_a_different_request_is_409_naming_it(staff, acme, globex):
    with tenant_context(acme):
        agents = list(TenantAgent.objects.order_by("pk").values_list("pk", flat=True)[:2])
    url = "/api/internal/operations/commands"
    first = post(
        staff["admin"],
        url,
        {
            "tenant_id": acme.pk,
            "type": "RESTART_AGENT",
            "parameters": {"agent_id": agents[0]},
            "idempotency_key": "k-9",
        },
    )
    before = (Command.objects.count(), OperationalEvent.objects.count())

    other_tenant = post(staff["admin"], url, {"tenant_id": globex.pk, "type": "HEALTH_CHECK", "idempotency_key": "k-9"})
    other_type = post(staff["admin"], url, {"tenant_id": acme.pk, "type": "HEALTH_CHECK", "idempotency_key": "k-9"})
    other_parameters = post(
        staff["admin"],
        url,
        {
            "tenant_id": acme.pk,
            "type": "RESTART_AGENT",
            "parameters": {"agent_id": agents[1]},
            "idempotency_key": "k-9",
        },
    )
    same = post(
        staff["admin"],
        url,
        {
            "tenant_id": acme.pk,
            "type": "RESTART_AGENT",
            "parameters": {"agent_id": str(agents[0])},
            "idempotency_key": "k-9",
        },
    )

    assert first.status_code == 201
    for response in (other_tenant, other_type, other_parameters):
        assert response.status_code == 409 and list(response.json()["error"]["fields"]) == ["idempotency_key"]
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    assert (Command.objects.count(), OperationalEvent.objects.count()) == before


@pytest.fixture
def broker(settings):
    """Lets a test take the Celery broker down (publish to a port nobody listens on) and bring it back."""

    real = app.conf.broker_url

    def point_at(url):
        app.conf.broker_url = url
        app._pool, app.amqp._producer_pool = None, None

    class Broker:
        def down(self):
            point_at(f"redis://127.0.0.1:{free_port()}/0")

        def up(self):
            point_at(real)

    yield Broker()
    point_at(real)


def take_run_messages(command_id) -> int:
    """Removes this command's run messages from the test broker's queue; how many there were."""

    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = [raw for raw in queue.lrange("celery", 0, -1) if str(command_id).encode() in raw]
    for raw in found:
        queue.lrem("celery", 1, raw)
    return len(found)


def test_broker_down_on_create_is_201_and_the_reaper_sends_the_command_later(
    staff, acme, broker, django_capture_on_commit_callbacks
):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff["admin"], "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"}
        )
    assert response.status_code == 201
    command = Command.objects.get(pk=response.json()["id"])
    assert command.status == "PENDING" and command.queued_at is not None
    assert take_run_messages(command.pk) == 0

    broker.up()
    assert reap_commands() == {"reaped": 0, "requeued": 0}  # not stale yet
    Command.objects.filter(pk=command.pk).update(queued_at=timezone.now() - timedelta(minutes=6))

    assert reap_commands() == {"reaped": 0, "requeued": 1}
    assert take_run_messages(command.pk) == 1
    assert reap_commands() == {"reaped": 0, "requeued": 0}  # sent once, not on every beat

    assert command_run(command.pk).status == "SUCCESS"
    assert command_run(command.pk) is None  # a duplicate message does nothing


def test_a_batch_by_filter_skips_tenants_that_cannot_run_and_a_selection_names_them(staff, acme, globex):
    growth = acme.plan
    Tenant.objects.filter(pk=globex.pk).update(status="archived", plan=growth)
    Tenant.objects.filter(slug="initech").update(status="provisioning", plan=growth)
    initech = Tenant.objects.get(slug="initech")

    by_filter = post(staff["admin"], "/api/internal/operations/batches", {"type": "HEALTH_CHECK", "plan": "growth"})
    assert by_filter.status_code == 201
    detail = staff["support"].get(f"/api/internal/operations/batches/{by_filter.json()['id']}").json()
    assert [c["tenant"] for c in detail["commands"]] == ["acme"]

    before = Command.objects.count()
    selection = post(
        staff["admin"],
        "/api/internal/operations/batches",
        {"type": "HEALTH_CHECK", "tenant_ids": [acme.pk, globex.pk, initech.pk]},
    )
    assert selection.status_code == 400
    assert selection.json()["error"]["fields"] == {
        "tenant_ids": [
            "globex is archived; commands run on active or suspended tenants only.",
            "initech is provisioning; commands run on active or suspended tenants only.",
        ]
    }
    assert Command.objects.count() == before


def many_commands(tenants, actors, number):
    users = [get_user_model().objects.get(email=f"{actor}@alquimista.test") for actor in actors]
    for index in range(number):
        Command.objects.create(
            tenant=tenants[index % len(tenants)],
            type="HEALTH_CHECK",
            created_by=users[index % len(users)],
            status=["PENDING", "SUCCESS", "ERROR"][index % 3],
        )


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_command_list_queries_do_not_grow_with_the_list(staff, acme, globex):
    client = staff["support"]
    many_commands([acme], ["admin"], 1)
    client.get("/api/internal/operations/commands")  # session and per-process look-ups out of the way
    few, _ = count_queries(client, "/api/internal/operations/commands")
    many_commands([acme, globex], ["admin", "support"], 20)

    many, body = count_queries(client, "/api/internal/operations/commands")

    assert body["count"] == Command.objects.count() >= 21 and len(body["results"]) >= 21
    assert many <= few


def test_event_list_queries_do_not_grow_with_the_list(staff, acme, globex):
    client = staff["support"]
    event_record(action="test.list", tenant=acme)
    client.get("/api/internal/events")
    few, _ = count_queries(client, "/api/internal/events", {"action": "test.list"})
    actors = list(User.objects.filter(email__endswith="@alquimista.test"))
    for index in range(19):
        event_record(action="test.list", actor=actors[index % len(actors)], tenant=[acme, globex][index % 2])

    many, body = count_queries(client, "/api/internal/events", {"action": "test.list"})

    assert body["count"] == len(body["results"]) == 20
    assert {e["tenant"] for e in body["results"]} == {"acme", "globex"}
    assert many <= few


def test_incident_list_queries_do_not_grow_with_the_list(staff, acme, globex):
    client = staff["support"]
    incident_open(tenant=acme, dedupe_key="list-first", title="First", severity="info", source="t")
    client.get("/api/internal/incidents")
    few, _ = count_queries(client, "/api/internal/incidents")
    admin, support = User.objects.get(email="admin@alquimista.test"), User.objects.get(email="support@alquimista.test")
    for index in range(20):
        incident, _ = incident_open(
            tenant=[acme, globex][index % 2], dedupe_key=f"list-{index}", title=f"T{index}", severity="info", source="t"
        )
        if index % 3:
            incident_transition(incident=incident, to="acknowledge", actor=[admin, support][index % 2])
        if index % 3 == 2:
            incident_transition(incident=incident, to="resolve", actor=admin)

    many, body = count_queries(client, "/api/internal/incidents")

    assert body["count"] == Incident.objects.count() >= 20
    assert many <= few
