"""check_integration against a real HTTP endpoint on 127.0.0.1 and the real (local) secret store.

The endpoint answers `/status/<code>` with that code and `/slow/<ms>` after that many
milliseconds, and records the Authorization header of every request it gets.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import free_port
from integrations import adapters
from integrations.adapters import check_integration
from integrations.models import Integration
from integrations.tests.factories import IntegrationFactory
from tenants.tests.factories import TenantFactory
from vault.models import SecretVersion

pytestmark = pytest.mark.django_db
Status = Integration.Status
TOKEN = "tok-3f9a1c5e-not-a-real-token"


class HealthEndpoint(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append(self.headers.get("Authorization"))
        kind, _, number = self.path.strip("/").partition("/")
        if kind == "slow":
            time.sleep(int(number) / 1000)
            code = 200
        else:
            code = int(number)
        body = b'{"ok": true}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HealthEndpoint)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(endpoint, path: str) -> str:
    return f"http://127.0.0.1:{endpoint.server_port}{path}"


@pytest.fixture
def tenant(db):
    return TenantFactory()


@pytest.fixture
def email_url(settings, endpoint):
    """Point the e-mail kind's health check at `path` on the local endpoint."""

    def point(path: str) -> None:
        settings.INTEGRATION_HEALTH_URLS = {Integration.Kind.EMAIL: url_of(endpoint, path)}
        endpoint.seen.clear()

    return point


def test_no_credential_name_needs_reauthorization(tenant):
    integration = IntegrationFactory(tenant=tenant, secret_ref="")

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.REAUTH_REQUIRED)
    assert result.detail == "no credential stored: reconnect the integration"
    assert result.ms is None


def test_credential_missing_from_the_store_needs_reauthorization(tenant):
    integration = IntegrationFactory(tenant=tenant)  # a secret_ref, nothing stored under it

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.REAUTH_REQUIRED)
    assert result.detail == "credential missing from the secret store"


def test_unreadable_credential_is_a_store_error(tenant):
    integration = IntegrationFactory(tenant=tenant, secret=TOKEN)
    SecretVersion.objects.filter(name=integration.secret_ref).update(ciphertext=b"not a fernet token")

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.DOWN)
    assert result.detail == "secret store error: the credential could not be read"


def test_store_error_detail_does_not_name_the_secret(tenant):
    """The HEALTH_CHECK handler copies `detail` into Integration.last_error, which the tenant sees."""
    integration = IntegrationFactory(tenant=tenant, secret=TOKEN)
    SecretVersion.objects.filter(name=integration.secret_ref).update(ciphertext=b"not a fernet token")

    assert integration.secret_ref not in check_integration(integration).detail


def test_without_an_endpoint_only_the_credential_is_checked(tenant, settings):
    settings.INTEGRATION_HEALTH_URLS = {}
    integration = IntegrationFactory(tenant=tenant, secret=TOKEN, status=Status.DOWN)

    result = check_integration(integration)

    assert result == adapters.CheckResult("ok", Status.OK, "credential present; no endpoint configured to call")


def test_without_an_endpoint_reauthorization_required_stays(tenant, settings):
    settings.INTEGRATION_HEALTH_URLS = {}
    integration = IntegrationFactory(tenant=tenant, secret=TOKEN, status=Status.REAUTH_REQUIRED)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.REAUTH_REQUIRED)


def test_endpoint_answering_200_is_ok_and_gets_the_token(tenant, endpoint, email_url):
    email_url("/status/200")
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.EMAIL, secret=TOKEN)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("ok", Status.OK)
    assert result.detail == f"answered 200 in {result.ms} ms"
    assert 0 <= result.ms < 2000
    assert endpoint.seen == [f"Bearer {TOKEN}"]


def test_endpoint_of_another_kind_is_not_called(tenant, endpoint, email_url):
    email_url("/status/200")
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.CRM, secret=TOKEN)

    result = check_integration(integration)

    assert result.detail == "credential present; no endpoint configured to call"
    assert endpoint.seen == []


@pytest.mark.parametrize(
    ("code", "status", "integration_status", "detail"),
    [
        (204, "ok", Status.OK, "answered 204 in {ms} ms"),
        (401, "fail", Status.REAUTH_REQUIRED, "credential refused (401)"),
        (403, "fail", Status.REAUTH_REQUIRED, "credential refused (403)"),
        (404, "warn", Status.DEGRADED, "answered 404 in {ms} ms"),
        (429, "warn", Status.DEGRADED, "answered 429 in {ms} ms"),
        (500, "fail", Status.DOWN, "service error (500)"),
        (503, "fail", Status.DOWN, "service error (503)"),
    ],
)
def test_endpoint_answer_decides_the_status(tenant, email_url, code, status, integration_status, detail):
    email_url(f"/status/{code}")
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.EMAIL, secret=TOKEN)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == (status, integration_status)
    assert result.detail == detail.format(ms=result.ms)
    assert result.ms is not None


def test_slow_answer_is_degraded(tenant, email_url):
    email_url("/slow/2100")
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.EMAIL, secret=TOKEN)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("warn", Status.DEGRADED)
    assert result.ms > 2000
    assert result.detail == f"answered 200 in {result.ms} ms"


def test_no_answer_within_the_timeout_is_down(tenant, email_url, monkeypatch):
    monkeypatch.setattr(adapters, "TIMEOUT_SECONDS", 0.3)
    email_url("/slow/1500")
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.EMAIL, secret=TOKEN)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.DOWN)
    assert result.detail == "unreachable: ReadTimeout"
    assert 300 <= result.ms < 1500


def test_nothing_listening_is_down(tenant, settings):
    settings.INTEGRATION_HEALTH_URLS = {Integration.Kind.EMAIL: f"http://127.0.0.1:{free_port()}/health"}
    integration = IntegrationFactory(tenant=tenant, kind=Integration.Kind.EMAIL, secret=TOKEN)

    result = check_integration(integration)

    assert (result.status, result.integration_status) == ("fail", Status.DOWN)
    assert result.detail == "unreachable: ConnectionError"
    assert TOKEN not in result.detail
