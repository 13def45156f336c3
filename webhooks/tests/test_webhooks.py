"""Outbound webhooks: who registers what, which events reach whom, signed with the owner's key, retried with
backoff, never to a private address unless allowed; a slow or failing receiver never fails the work."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from core.tests.contract import assert_conforms
from operations.commands.services import command_create, command_finish, command_start
from operations.services import incident_open, incident_transition
from vault import get_secret_store
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import MAX_ATTEMPTS, deliveries_due, delivery_attempt, endpoint_create, webhook_emit
from webhooks.signing import signature_valid, signing_key, tenant_secret_name

pytestmark = pytest.mark.django_db
EVENTS = ["command.finished", "incident.opened", "incident.resolved"]


class Receiver:
    """A local HTTP peer: answers each POST with the next planned status (200 once the plan runs out)."""

    def __init__(self):
        self.received, self.plan, self.delay = [], [], 0.0

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                self.send_response(receiver.plan.pop(0) if receiver.plan else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    peer = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), peer.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    peer.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield peer
    server.shutdown()


@pytest.fixture
def admin():
    return User.objects.get(email="admin@alquimista.test")


def finished_command(tenant, admin):
    command, _ = command_create(tenant=tenant, command_type="HEALTH_CHECK", actor=admin, enqueue=False)
    command_start(command.pk)
    command_finish(command=command, output={"checks": []})
    return command


def deliver_all():
    return [delivery_attempt(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)]


def test_a_tenant_admin_registers_an_endpoint_and_the_rest_of_the_cast_cannot(client_for, acme, globex, receiver):
    body = {"url": receiver.url, "events": ["command.finished"]}
    created = client_for(acme, "admin@acme.test").post("/api/tenant/webhooks", body, "application/json")
    assert created.status_code == 201 and created.json()["events"] == ["command.finished"]
    assert_conforms(created, "post", "/api/tenant/webhooks")

    endpoint_id = created.json()["id"]
    assert client_for(acme, "user@acme.test").post("/api/tenant/webhooks", body, "application/json").status_code == 403
    assert client_for(globex, "admin@globex.test").get(f"/api/tenant/webhooks/{endpoint_id}").status_code == 404
    assert client_for(acme, "admin@acme.test").get(f"/api/tenant/webhooks/{endpoint_id}").status_code == 200
    assert WebhookEndpoint.objects.get(pk=endpoint_id).tenant == acme


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["command.finished"]}, "url"),
        ({"url": "https://example.com/x", "events": ["everything"]}, "events"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "not a url", "events": ["command.finished"]}, "url"),
    ],
)
def test_bad_endpoints_are_a_400_naming_the_field(client_for, acme, body, field):
    response = client_for(acme, "admin@acme.test").post("/api/tenant/webhooks", body, "application/json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_are_refused_unless_the_deployment_allows_them(client_for, acme, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    admin = client_for(acme, "admin@acme.test")
    for url in ("https://127.0.0.1/hook", "https://10.0.0.7/hook", "https://169.254.169.254/latest", "http://a.test/"):
        response = admin.post("/api/tenant/webhooks", {"url": url, "events": ["incident.opened"]}, "application/json")
        assert response.status_code == 400 and "url" in response.json()["error"]["fields"], url


def test_an_event_reaches_its_tenants_and_the_companys_endpoints_signed_with_each_owners_key(
    acme, globex, admin, receiver
):
    endpoint_create(tenant=acme, url=receiver.url, events=EVENTS)
    endpoint_create(tenant=None, url=receiver.url + "?company", events=["command.finished"])
    endpoint_create(tenant=globex, url=receiver.url + "?globex", events=EVENTS)

    command = finished_command(acme, admin)
    deliver_all()

    paths = sorted(headers["Alquimista-Event"] for headers, _ in receiver.received)
    assert paths == ["command.finished", "command.finished"]
    for headers, body in receiver.received:
        company = headers["Alquimista-Delivery"] in {
            str(d.pk) for d in WebhookDelivery.objects.filter(endpoint__tenant__isnull=True)
        }
        key = signing_key(None if company else acme)
        assert signature_valid(key, headers["Alquimista-Signature"], body)
        assert f'"command_id":"{command.pk}"' in body.decode() and '"slug":"acme"' in body.decode()
    assert not signature_valid(
        signing_key(globex), receiver.received[0][0]["Alquimista-Signature"], receiver.received[0][1]
    )


def test_rotating_the_tenants_webhook_key_re_keys_the_next_delivery(acme, admin, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["command.finished"])
    finished_command(acme, admin)
    deliver_all()
    old_key = signing_key(acme)

    get_secret_store().rotate(tenant_secret_name(acme.slug))
    WebhookDelivery.objects.all().delete()
    finished_command(acme, admin)
    deliver_all()

    headers, body = receiver.received[-1]
    assert not signature_valid(old_key, headers["Alquimista-Signature"], body)
    assert signature_valid(signing_key(acme), headers["Alquimista-Signature"], body)


def test_a_signature_is_refused_outside_the_replay_window(acme, admin, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["command.finished"])
    finished_command(acme, admin)
    deliver_all()
    headers, body = receiver.received[0]
    assert not signature_valid(signing_key(acme), headers["Alquimista-Signature"], body, now=time.time() + 301)


def test_a_failing_receiver_is_retried_with_backoff_then_left_failed(acme, admin, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["command.finished"])
    receiver.plan = [500] * (MAX_ATTEMPTS + 1)
    finished_command(acme, admin)
    delivery = WebhookDelivery.objects.get()

    first = delivery_attempt(delivery.pk)
    assert (first.status, first.attempts, first.response_status) == ("pending", 1, 500)
    assert delivery_attempt(delivery.pk) is None  # not due yet: nothing sent
    assert str(delivery.pk) not in deliveries_due()
    later = timezone.now()
    for _ in range(MAX_ATTEMPTS - 1):
        later += timedelta(hours=7)
        assert str(delivery.pk) in deliveries_due(now=later)
        last = delivery_attempt(delivery.pk, now=later)
    assert (last.status, last.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_retry_after_a_failure_delivers_once(acme, admin, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["command.finished"])
    receiver.plan = [503]
    finished_command(acme, admin)
    delivery = WebhookDelivery.objects.get()
    delivery_attempt(delivery.pk)

    done = delivery_attempt(delivery.pk, now=timezone.now() + timedelta(minutes=2))

    assert done.status == "delivered" and done.attempts == 2
    assert delivery_attempt(delivery.pk, now=timezone.now() + timedelta(days=1)) is None
    assert len(receiver.received) == 2
    ids = {headers["Alquimista-Delivery"] for headers, _ in receiver.received}
    assert ids == {str(delivery.pk)}  # the receiver dedupes on it


def test_a_slow_receiver_is_a_recorded_failure_not_a_stuck_worker(acme, admin, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.delay = 1.0
    endpoint_create(tenant=acme, url=receiver.url, events=["command.finished"])
    finished_command(acme, admin)

    (delivery,) = deliver_all()

    assert delivery.status == "pending" and delivery.response_status is None
    assert "did not answer in time" in delivery.last_error


def test_incidents_opened_and_resolved_are_events(acme, admin, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["incident.opened", "incident.resolved"])
    incident, _ = incident_open(tenant=acme, dedupe_key="w-1", title="Errors up", severity="warning", source="test")
    incident_transition(incident=incident, to="resolve", actor=admin)
    deliver_all()
    assert sorted(h["Alquimista-Event"] for h, _ in receiver.received) == ["incident.opened", "incident.resolved"]


def test_send_test_redeliver_and_the_delivery_log(client_for, acme, receiver):
    admin = client_for(acme, "admin@acme.test")
    endpoint = admin.post("/api/tenant/webhooks", {"url": receiver.url, "events": EVENTS}, "application/json").json()

    tested = admin.post(f"/api/tenant/webhooks/{endpoint['id']}/test")
    log = admin.get(f"/api/tenant/webhooks/{endpoint['id']}/deliveries")
    again = admin.post(f"/api/tenant/webhooks/{endpoint['id']}/deliveries/{tested.json()['id']}/redeliver")

    assert (
        tested.status_code == 200 and tested.json()["status"] == "delivered" and tested.json()["response_status"] == 200
    )
    assert [item["event_type"] for item in log.json()["results"]] == ["ping"]
    assert again.status_code == 202 and again.json()["payload"]["id"] == tested.json()["payload"]["id"]
    assert_conforms(tested, "post", "/api/tenant/webhooks/{endpoint_id}/test")
    assert_conforms(log, "get", "/api/tenant/webhooks/{endpoint_id}/deliveries")
    assert admin.delete(f"/api/tenant/webhooks/{endpoint['id']}").status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_the_company_endpoints_are_internal_admins_only(client_for, public_tenant, receiver):
    body = {"url": receiver.url, "events": ["command.finished"]}
    created = client_for(public_tenant, "admin@alquimista.test").post(
        "/api/internal/webhooks", body, "application/json"
    )
    refused = client_for(public_tenant, "support@alquimista.test").post(
        "/api/internal/webhooks", body, "application/json"
    )
    assert created.status_code == 201 and WebhookEndpoint.objects.get().tenant is None
    assert refused.status_code == 403


def test_an_emitted_event_exists_only_if_its_change_commits(acme, receiver):
    endpoint_create(tenant=acme, url=receiver.url, events=["incident.opened"])
    with pytest.raises(RuntimeError), tenant_context(acme):
        with transaction.atomic():
            webhook_emit(tenant=acme, event_type="incident.opened", data={})
            raise RuntimeError("the change failed")
    assert not WebhookDelivery.objects.exists()


def test_a_tenant_has_at_most_ten_endpoints(client_for, acme):
    for index in range(10):
        endpoint_create(tenant=acme, url=f"https://example.com/{index}", events=["incident.opened"])
    body = {"url": "https://example.com/eleventh", "events": ["incident.opened"]}
    response = client_for(acme, "admin@acme.test").post("/api/tenant/webhooks", body, "application/json")
    assert response.status_code == 400 and "At most 10" in response.json()["error"]["fields"]["url"][0]
    assert WebhookEndpoint.objects.filter(tenant=acme).count() == 10
