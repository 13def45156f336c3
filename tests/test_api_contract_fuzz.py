"""The API fuzzed against its own OpenAPI contract with Schemathesis, on both hosts, with real credentials.

For every operation the contract documents, Schemathesis generates requests from the schema (valid
and invalid parameters and bodies) and checks each answer: never a 5xx, a status the operation
documents, the documented content type, and a body that validates against the documented schema.

The requests go to Django's real WSGI application in this process (Host headers, middleware,
sessions, CSRF, rate limits and all), inside the test's transaction, so every example's writes are
rolled back with the test. Operations that run pg_dump / pg_restore in their own database session
cannot see that transaction and are left to tenants/tests/test_backups.py.
"""

import pytest
import schemathesis
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from accounts.api_keys import api_key_create
from conftest import host_of, session_key_for
from core.tests.contract import contract
from tests.in_process import InProcessApplication

OWN_SESSION_OPERATIONS = {
    ("POST", "/api/internal/tenants/{tenant_id}/backups"),
    ("POST", "/api/internal/backups/{backup_id}/restore"),
    ("POST", "/api/internal/tenants/{tenant_id}/archive"),
}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


schema = schemathesis.openapi.from_dict(contract())
schema.app = InProcessApplication()
# The credentials are the fixture's real ones, not values generated from the security schemes.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def credentials(acme, public_tenant):
    """Per host, the headers of a caller allowed to use every operation there: the tenant's admin (a session
    and its CSRF token), an ingest key for ingestion, an internal admin on the company's host."""
    csrf = _get_new_csrf_string()

    def session(tenant, email):
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_key_for(tenant, email)}; {settings.CSRF_COOKIE_NAME}={csrf}"
        return host_of(tenant), {"X-Test-Cookie": cookie, "X-CSRFToken": csrf}

    _, ingest_key = api_key_create(tenant=acme, name="contract fuzz", scopes=["ingest"])
    return {
        "tenant": session(acme, "admin@acme.test"),
        "ingest": (host_of(acme), {"Authorization": f"Api-Key {ingest_key}"}),
        "internal": session(public_tenant, "admin@alquimista.test"),
    }


def _caller(case) -> str:
    if case.path.startswith("/api/internal/"):
        return "internal"
    return "ingest" if case.path == "/api/tenant/agent-requests" else "tenant"


@schema.parametrize()
@hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_contract_says(case, credentials):
    if (case.method.upper(), case.path) in OWN_SESSION_OPERATIONS:
        pytest.skip("runs pg_dump / pg_restore in its own database session")
    host, headers = credentials[_caller(case)]
    response = case.call_and_validate(base_url=f"http://{host}", headers=headers, checks=CHECKS)
    assert response.status_code != 401, "the fuzzer's credentials must be accepted"
