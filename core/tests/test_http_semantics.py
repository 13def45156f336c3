"""HTTP semantics of the API (issue 14): JSON for every /api path, one canonical URL, ETag and 304, CORS."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from conftest import ROOT, host_of
from usage.models import AgentRequest
from usage.rollup import rollup_tenant
from usage.selectors import utc_today

NOT_FOUND = {"error": {"status": 404, "code": "not_found", "message": "There is no API endpoint at this address."}}
ORIGIN = "https://app.client.test"
CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()}"'


def tenant_named(request, name):
    return request.getfixturevalue("public_tenant" if name == "public" else name)


# Unknown /api paths: a JSON 404 on both hosts, whoever asks.

UNKNOWN = [
    ("acme", None, "get", "/api/tenant/nothing-here"),
    ("acme", "user@acme.test", "get", "/api/tenant/nothing-here"),
    ("acme", "admin@acme.test", "post", "/api/no/such/thing"),
    ("acme", "admin@acme.test", "delete", "/api/internal/tenants"),  # the public host's path, not this one's
    ("public", None, "get", "/api/internal/nothing-here"),
    ("public", "support@alquimista.test", "get", "/api/internal/nothing-here"),
    ("public", "admin@alquimista.test", "put", "/api/tenant/me"),  # a tenant host's path, not this one's
    ("public", "admin@alquimista.test", "get", "/api/internal/tenants/x/y/"),
]


@pytest.mark.parametrize(("tenant_name", "email", "method", "path"), UNKNOWN)
def test_an_unknown_api_path_is_a_json_404_in_the_error_shape(request, client_for, tenant_name, email, method, path):
    response = getattr(client_for(tenant_named(request, tenant_name), email), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == NOT_FOUND


def test_an_unknown_api_path_is_a_json_404_even_for_a_post_without_a_csrf_token(acme, client_for):
    client = client_for(acme, "admin@acme.test")
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/tenant/nothing-here", "{}", content_type="application/json")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_an_unknown_page_path_is_still_the_html_page(acme, client_for):
    response = client_for(acme, "user@acme.test").get("/app/nothing-here")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# Trailing slash: one canonical URL, reached by a 308 that keeps the method and the body.


@pytest.mark.parametrize(
    ("tenant_name", "path", "location"),
    [
        ("acme", "/api/tenant/me/", "/api/tenant/me"),
        ("acme", "/api/tenant/usage/?period=7d", "/api/tenant/usage?period=7d"),
        ("public", "/api/internal/tenants//?search=acme&page=1", "/api/internal/tenants?search=acme&page=1"),
    ],
)
def test_a_known_path_with_a_trailing_slash_is_a_308_to_the_slashless_url(
    request, client_for, tenant_name, path, location
):
    response = client_for(tenant_named(request, tenant_name)).get(path)
    assert response.status_code == 308
    assert response["Location"] == location


def test_the_308_is_followed_to_the_resource(acme, client_for):
    client = client_for(acme, "user@acme.test")
    response = client.get("/api/tenant/me/", follow=True)
    assert response.redirect_chain == [("/api/tenant/me", 308)]
    assert response.status_code == 200
    assert response.content == client.get("/api/tenant/me").content


def test_a_post_with_a_trailing_slash_is_redirected_with_its_method_kept(acme, client_for):
    body = json.dumps({"name": "Ana", "email": "ana@lead.test"})
    response = client_for(acme, "admin@acme.test").post("/api/tenant/leads/", body, content_type="application/json")
    assert response.status_code == 308 and response["Location"] == "/api/tenant/leads"


# ETag and If-None-Match on cached reads.


def test_tenant_me_has_a_strong_etag_and_a_matching_if_none_match_is_a_bodiless_304(acme, client_for):
    client = client_for(acme, "user@acme.test")
    first = client.get("/api/tenant/me")
    assert first.status_code == 200
    assert first["ETag"] == etag_of(first.content)
    assert first["Cache-Control"] == "private, max-age=300"

    again = client.get("/api/tenant/me", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "private, max-age=300"
    body_headers = {"content-type", "content-length"}  # CommonMiddleware gives the 304 a Content-Length of 0
    assert {name.lower() for name in again.headers} - body_headers == {
        name.lower() for name in first.headers
    } - body_headers


@pytest.mark.parametrize(
    "header",
    ['"not-this-one"', '"a", {etag}', "W/{etag}", "*"],
)
def test_if_none_match_lists_and_weak_forms_are_compared_as_the_rfc_says(acme, client_for, header):
    client = client_for(acme, "user@acme.test")
    etag = client.get("/api/tenant/me")["ETag"]
    response = client.get("/api/tenant/me", HTTP_IF_NONE_MATCH=header.format(etag=etag))
    assert response.status_code == (200 if header == '"not-this-one"' else 304)


def test_tenant_me_answers_200_with_a_new_etag_after_a_rollup(acme, client_for):
    client = client_for(acme, "user@acme.test")
    first = client.get("/api/tenant/me")
    used = first.json()["month"]["usage"]["requests"]["used"]
    with tenant_context(acme):
        AgentRequest.objects.create(
            agent=TenantAgent.objects.order_by("pk").first(),
            started_at=datetime.combine(utc_today(), time(0, 0, 1), tzinfo=UTC),
            duration_ms=120,
            outcome=AgentRequest.Outcome.SUCCESS,
            tokens_in=10,
            tokens_out=5,
            channel="email",
        )
    connection.set_schema_to_public()
    rollup_tenant(tenant=acme, start=utc_today(), end=utc_today())

    after = client.get("/api/tenant/me", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after.json()["month"]["usage"]["requests"]["used"] == used + 1
    assert after["ETag"] == etag_of(after.content) != first["ETag"]


def test_the_tenant_list_has_an_etag_304s_and_changes_with_a_tenant(acme, client_for, public_tenant):
    client = client_for(public_tenant, "support@alquimista.test")
    first = client.get("/api/internal/tenants")
    assert first.status_code == 200 and first["ETag"] == etag_of(first.content)
    assert first["Cache-Control"] == "private, max-age=300"

    unchanged = client.get("/api/internal/tenants", HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"] and unchanged["Cache-Control"] == "private, max-age=300"

    acme.name = "Acme Renamed"
    acme.save(update_fields=["name"])  # a tenant change bumps the global read version
    changed = client.get("/api/internal/tenants", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Acme Renamed" in [row["name"] for row in changed.json()["results"]]
    assert changed["ETag"] == etag_of(changed.content) != first["ETag"]


def test_an_uncached_read_or_a_refusal_has_no_etag(acme, client_for, public_tenant):
    refused = client_for(acme).get("/api/tenant/me", HTTP_IF_NONE_MATCH="*")
    assert refused.status_code == 401 and "ETag" not in refused
    assert refused["Cache-Control"] == "private, no-store"
    invalid = client_for(acme, "user@acme.test").get("/api/tenant/usage?period=nope")
    assert invalid.status_code == 400 and "ETag" not in invalid


# CORS: off by default; with an allow-list, only the listed origins, only /api/, never credentials.


def test_no_cors_by_default(acme, client_for):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert CORS_MIDDLEWARE not in settings.MIDDLEWARE
    response = client_for(acme, "user@acme.test").get("/api/tenant/me", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert [name for name in response.headers if name.lower().startswith("access-control-")] == []


@pytest.fixture
def cors_on(settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    position = settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:position], CORS_MIDDLEWARE, *settings.MIDDLEWARE[position:]]


def test_an_allowed_origin_may_read_the_api_without_credentials(acme, cors_on):
    client = Client(HTTP_HOST=host_of(acme))
    response = client.get("/api/tenant/nothing-here", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response["Access-Control-Expose-Headers"] == "ETag, Retry-After"
    assert "Access-Control-Allow-Credentials" not in response

    preflight = client.options(
        "/api/tenant/me",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-none-match",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN
    assert {"authorization", "if-none-match"} <= set(preflight["Access-Control-Allow-Headers"].split(", "))
    assert "Access-Control-Allow-Credentials" not in preflight


def test_another_origin_and_the_pages_get_no_cors_headers(acme, cors_on):
    client = Client(HTTP_HOST=host_of(acme))
    other = client.get("/api/tenant/nothing-here", HTTP_ORIGIN="https://evil.test")
    page = client.get("/login/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in other
    assert page.status_code == 200 and "Access-Control-Allow-Origin" not in page


def test_the_environment_variable_turns_the_middleware_on():
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS, settings.MIDDLEWARE.index("
    code += f"{CORS_MIDDLEWARE!r}) + 1 == settings.MIDDLEWARE.index('whitenoise.middleware.WhiteNoiseMiddleware'))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "alquimista.settings", "ALQUIMISTA_ENV": "test"}
    env["CORS_ALLOWED_ORIGINS"] = f" {ORIGIN}, https://other.test ,"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"['{ORIGIN}', 'https://other.test'] True"
