"""The tenant admin's webhooks page: add an endpoint, send a test event and see the answer, remove it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver_url():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_an_admin_adds_tests_and_removes_an_endpoint(client_for, acme, receiver_url):
    page = client_for(acme, "admin@acme.test")

    added = page.post("/app/dashboard/webhooks", {"url": receiver_url, "events": ["incident.opened"]}, follow=True)
    endpoint = WebhookEndpoint.objects.get(tenant=acme)
    tested = page.post(f"/app/dashboard/webhooks/{endpoint.pk}/test", follow=True).content.decode()
    removed = page.post(f"/app/dashboard/webhooks/{endpoint.pk}/delete", follow=True)

    assert added.status_code == 200 and receiver_url in added.content.decode()
    assert "Test event delivered: the endpoint answered 204" in tested and "ping" in tested
    assert removed.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_bad_endpoint_is_a_form_error_and_nothing_is_written(client_for, acme, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    page = client_for(acme, "admin@acme.test")

    private = page.post("/app/dashboard/webhooks", {"url": "https://10.1.2.3/x", "events": ["incident.opened"]})
    no_events = page.post("/app/dashboard/webhooks", {"url": "https://example.com/x"})

    assert private.status_code == 400 and "private" in private.context["form"].errors["url"][0]
    assert no_events.status_code == 400 and "events" in no_events.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_a_failed_test_says_why(client_for, acme):
    page = client_for(acme, "admin@acme.test")
    page.post("/app/dashboard/webhooks", {"url": "http://127.0.0.1:9/closed", "events": ["incident.opened"]})
    endpoint = WebhookEndpoint.objects.get(tenant=acme)

    tested = page.post(f"/app/dashboard/webhooks/{endpoint.pk}/test", follow=True).content.decode()

    assert "Test event not delivered" in tested and "refused the connection" in tested


def test_only_tenant_admins_see_the_page_and_the_link(client_for, acme, globex):
    assert client_for(acme, "user@acme.test").get("/app/dashboard/webhooks").status_code == 403
    assert (
        'href="/app/dashboard/webhooks"'
        not in client_for(acme, "user@acme.test").get("/app/dashboard").content.decode()
    )
    assert (
        'href="/app/dashboard/webhooks"' in client_for(acme, "admin@acme.test").get("/app/dashboard").content.decode()
    )
    foreign = WebhookEndpoint.objects.create(tenant=globex, url="https://example.com/g", events=["incident.opened"])
    assert client_for(acme, "admin@acme.test").post(f"/app/dashboard/webhooks/{foreign.pk}/delete").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=foreign.pk).exists()
