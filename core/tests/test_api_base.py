"""The API base and the request guards: every bad request is a clear 4xx in the one error shape, an outage a 503."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.api_keys import api_key_create
from accounts.models import User
from conftest import free_port, host_of


def error_of(response) -> dict:
    return response.json()["error"]


# NUL characters (issue 13, item 2)


@pytest.mark.parametrize(
    ("tenant_name", "email", "path", "field"),
    [
        ("acme", "user@acme.test", "/api/tenant/leads?search=%00", "search"),
        ("acme", "user@acme.test", "/api/tenant/usage?agent=a%00b", "agent"),
        ("public", "support@alquimista.test", "/api/internal/tenants?search=%00", "search"),
        ("public", "admin@alquimista.test", "/api/internal/events?actor=x%00", "actor"),
        ("public", "support@alquimista.test", "/api/internal/incidents?status=%00", "status"),
    ],
)
def test_a_nul_in_an_api_query_parameter_is_a_400_naming_it(
    request, client_for, public_tenant, tenant_name, email, path, field
):
    tenant = public_tenant if tenant_name == "public" else request.getfixturevalue(tenant_name)
    response = client_for(tenant, email).get(path)
    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "invalid",
        "message": "Some fields are invalid.",
        "fields": {field: ["Null characters are not allowed."]},
    }


@pytest.mark.parametrize(
    ("path", "email"),
    [
        ("/app/company/tenants?search=%00", "support@alquimista.test"),
        ("/app/company/events?actor=%00", "admin@alquimista.test"),
        ("/app/company/commands?created_by=a%00", "admin@alquimista.test"),
    ],
)
def test_a_nul_in_a_page_query_parameter_is_a_400_naming_it(client_for, public_tenant, path, email):
    response = client_for(public_tenant, email).get(path)
    name = path.split("?")[1].split("=")[0]
    assert response.status_code == 400
    assert response.content.decode() == f"“{name}” contains a NUL character."


def test_a_nul_in_a_page_form_field_is_a_400_naming_it_and_nothing_is_provisioned(client_for, public_tenant):
    response = client_for(public_tenant, "admin@alquimista.test").post(
        "/app/company/provision", {"slug": "nul-co", "name": "Nul\x00Co", "plan": "starter"}
    )
    assert response.status_code == 400 and response.content.decode() == "“name” contains a NUL character."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Ana\x00", "email": "ana@lead.test"}, "name"),
        ({"name": "Ana", "email": "ana@lead.test", "notes": ["\ud800"]}, "notes.0"),
    ],
)
def test_unstorable_text_in_a_json_body_is_a_400_naming_where_it_is(acme, client_for, body, field):
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/leads", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and list(error_of(response)["fields"]) == [field]


# Oversized, too many fields, too deep (item 3)


@pytest.fixture
def ingest_key(acme):
    _, raw = api_key_create(
        tenant=acme, name="ingest", scopes=["ingest"], actor=User.objects.get(email="admin@acme.test")
    )
    return raw


def test_an_oversized_json_body_is_a_413_even_on_ingestion(acme, ingest_key):
    client = Client(HTTP_HOST=host_of(acme), HTTP_X_API_KEY=ingest_key)
    body = json.dumps({"requests": [{"pad": "x" * 1000}] * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1000)})
    response = client.post("/api/tenant/agent-requests", body, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response) == {
        "status": 413,
        "code": "too_large",
        "message": "The request body is larger than this endpoint accepts.",
    }


def test_an_oversized_form_body_is_a_413(acme, client_for):
    body = "name=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/leads", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_too_many_form_fields_is_a_400_naming_the_body(acme, client_for):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/leads", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"body": ["The request body has too many fields."]}


def test_deeply_nested_json_is_a_400_naming_the_body(acme, ingest_key):
    client = Client(HTTP_HOST=host_of(acme), HTTP_X_API_KEY=ingest_key)
    response = client.post("/api/tenant/agent-requests", "[" * 5000 + "]" * 5000, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"body": ["The JSON body is nested too deeply."]}


# JSON only (item 4)


@pytest.mark.parametrize(
    ("tenant_name", "email", "path"),
    [
        ("acme", "user@acme.test", "/api/tenant/leads"),
        ("acme", "user@acme.test", "/api/tenant/incidents"),
        ("acme", "admin@acme.test", "/api/tenant/api-keys"),
        ("public", "admin@alquimista.test", "/api/internal/tenants"),
        ("public", "admin@alquimista.test", "/api/internal/backups"),
        ("public", "admin@alquimista.test", "/api/internal/operations/commands"),
    ],
)
def test_a_list_asked_for_html_is_a_406_in_json_and_format_api_a_404(
    request, client_for, public_tenant, tenant_name, email, path
):
    tenant = public_tenant if tenant_name == "public" else request.getfixturevalue(tenant_name)
    client = client_for(tenant, email)
    html = client.get(path, HTTP_ACCEPT="text/html")
    assert html.status_code == 406 and html["Content-Type"] == "application/json"
    assert error_of(html)["code"] == "not_acceptable"
    assert client.get(path + "?format=api").status_code == 404
    browser = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert browser.status_code == 200 and browser["Content-Type"] == "application/json"


# Methods (item 10)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "TRACE", "FROB"])
def test_an_unserved_method_is_a_405_in_the_error_shape(client_for, public_tenant, method):
    response = client_for(public_tenant, "admin@alquimista.test").generic(method, "/api/internal/tenants")
    assert response.status_code == 405
    assert error_of(response) == {
        "status": 405,
        "code": "method_not_allowed",
        "message": f'Method "{method}" not allowed.',
    }


@pytest.mark.parametrize("method", ["PUT", "DELETE", "TRACE", "FROB"])
def test_an_unserved_method_asks_for_credentials_first(client_for, public_tenant, acme, method):
    """Whatever the method, an anonymous caller gets 401 and an outsider 404: a 405 is for those let in."""
    assert client_for(public_tenant, None).generic(method, "/api/internal/tenants").status_code == 401
    assert client_for(acme, "admin@globex.test").generic(method, "/api/tenant/me").status_code == 404
    assert client_for(acme, "user@acme.test").generic(method, "/api/tenant/me").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/api/internal/tenants/{acme}/secrets",
        "/api/internal/tenants/{acme}/dispatch",
        "/api/internal/tenants/{acme}/suspend",
        "/api/internal/tenants/{acme}/archive",
        "/api/internal/backups/1/restore",
    ],
)
def test_options_on_a_view_without_a_serializer_describes_it(client_for, public_tenant, acme, path):
    response = client_for(public_tenant, "admin@alquimista.test").options(path.format(acme=acme.pk))
    assert response.status_code == 200
    assert response.json()["renders"] == ["application/json"]
    assert "actions" not in response.json()


def test_options_on_a_tenant_view_without_a_serializer_describes_it(acme, client_for):
    response = client_for(acme, "admin@acme.test").options("/api/tenant/leads/import")
    assert response.status_code == 200 and response.json()["name"] == "Lead Import"


# Database outage (item 15)


@pytest.fixture
def database_down(transactional_db_free):
    """The default database at a port nobody listens on, as in an outage, until the test ends."""
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(free_port())
    yield
    connection.settings_dict["PORT"] = saved
    connection.close()


@pytest.mark.parametrize("path", ["/app/company", "/login/"])
def test_a_page_during_a_database_outage_is_a_503_with_retry_after(database_down, path):
    response = Client(HTTP_HOST=settings.BASE_DOMAIN, raise_request_exception=False).get(path)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "The database cannot be reached. Please try again in 30 seconds." in response.content.decode()


def test_the_api_during_a_database_outage_is_a_503_json_with_retry_after(database_down):
    response = Client(HTTP_HOST=settings.BASE_DOMAIN, raise_request_exception=False).get("/api/internal/tenants")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert error_of(response) == {
        "status": 503,
        "code": "unavailable",
        "message": "The database is unavailable; try again in a moment.",
    }


def test_an_api_view_that_loses_the_database_answers_503_through_the_api_handler(transactional_db_free, acme):
    client = Client(HTTP_HOST=host_of(acme), raise_request_exception=False)
    assert client.get("/api/tenant/me").status_code == 401  # the host lookup is cached now
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(free_port())
    try:
        # The API key is looked up inside DRF's authentication: the API's own error handler answers.
        response = client.get("/api/tenant/me", HTTP_X_API_KEY="alq_abcdef_secret")
    finally:
        connection.settings_dict["PORT"] = saved
        connection.close()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert error_of(response)["code"] == "unavailable"


# The docs page (found by tests/test_hostile_inputs.py)


def test_the_docs_and_schema_ignore_a_bad_api_key_header(client_for, public_tenant):
    client = client_for(public_tenant, "support@alquimista.test")
    docs = client.get("/api/docs", HTTP_X_API_KEY="alq_not_a_key")
    schema = client.get("/api/schema", HTTP_X_API_KEY="alq_not_a_key", HTTP_ACCEPT="application/json")
    assert docs.status_code == 200 and b"redoc" in docs.content.lower()
    assert schema.status_code == 200 and "/api/tenant/leads" in schema.json()["paths"]
