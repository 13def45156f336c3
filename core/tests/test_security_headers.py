"""Every page, as every role, carries the defensive headers; pages shown to a signed-in user are never cached."""

import os
import re
import subprocess
import sys

import pytest
from django.urls import URLResolver, get_resolver

from conftest import ROOT
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

# The policy as the browser must receive it, written out by hand (the test settings: BASE_DOMAIN=localhost,
# links between hosts on http and port 8000), not read back from settings.
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", "http://localhost:8000", "http://*.localhost:8000"],
}
# The API docs page alone: Redoc injects its styles and searches in a blob: worker (alquimista/urls_common.py).
EXPECTED_DOCS_CSP = {**EXPECTED_CSP, "style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}
EXPECTED_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=()"
)
PUBLIC_ROLES = [None, "admin@alquimista.test", "support@alquimista.test"]
TENANT_ROLES = [None, "admin@acme.test", "user@acme.test"]
# Pages the walk must find, so a broken walk cannot pass by testing nothing.
MUST_COVER_PUBLIC = {
    "/login/",
    "/profile",
    "/app/company",
    "/app/company/tenants",
    "/app/company/tenants/{acme}",
    "/app/company/tenants/{acme}/operations",
    "/app/company/usage",
    "/app/company/billing",
    "/app/company/incidents",
    "/app/company/commands",
    "/app/company/events",
    "/app/company/provision",
}
MUST_COVER_TENANT = {
    "/login/",
    "/profile",
    "/app/dashboard",
    "/app/dashboard/agents",
    "/app/dashboard/integrations",
    "/app/dashboard/usage",
    "/app/dashboard/incidents",
    "/app/dashboard/dispatch",
    "/app/dashboard/users",
    "/app/dashboard/api-keys",
}
# Markup the CSP refuses: an inline <script> (JSON data blocks are not run, so allowed), an inline <style>,
# a style="" attribute, an on…="" event handler.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|<[^>]*\sstyle=|<[^>]*\son[a-z]+\s*=",
    re.IGNORECASE,
)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in filter(None, (chunk.strip() for chunk in header.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def page_paths(urlconf: str, tenant_id: int) -> list[str]:
    """Every page route of a host: parameterless ones, and those taking only a tenant (given `tenant_id`).

    The APIs (their own headers, tested in their apps), the admin (listed separately) and SSO are left out.
    """

    paths = []
    for pattern in get_resolver(urlconf).url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver) or route.startswith(("api/", "admin/", "oidc/")):
            continue
        if set(pattern.pattern.converters) - {"tenant_id"}:
            continue
        paths.append("/" + route.replace("<int:tenant_id>", str(tenant_id)))
    return paths


def header_problems(response, path: str, email: str | None) -> list[str]:
    who = f"{path} as {email or 'anonymous'} ({response.status_code})"
    problems = []
    csp = response.get("Content-Security-Policy")
    expected_csp = EXPECTED_DOCS_CSP if path == "/api/docs" else EXPECTED_CSP
    if csp is None or csp_directives(csp) != expected_csp:
        problems.append(f"{who}: Content-Security-Policy {csp!r}")
    expected = {
        "Permissions-Policy": EXPECTED_PERMISSIONS_POLICY,
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }
    is_html = response.get("Content-Type", "").startswith("text/html")
    if email and is_html:
        expected["Cache-Control"] = "private, no-store"
    problems += [
        f"{who}: {name} {response.get(name)!r}" for name, value in expected.items() if response.get(name) != value
    ]
    if is_html and response.status_code == 200 and path != "/api/docs":
        problems += [f"{who}: inline {match!r}" for match in INLINE.findall(response.content.decode())]
    return problems


def visit(client_for, tenant, email, paths) -> list[str]:
    client = client_for(tenant, email)
    problems = []
    for path in paths:
        problems += header_problems(client.get(path), path, email)
    return problems


def test_the_walk_covers_the_pages_of_both_hosts(acme):
    public = set(page_paths("alquimista.urls_public", acme.pk))
    tenant = set(page_paths("alquimista.urls_tenant", acme.pk))

    assert {path.format(acme=acme.pk) for path in MUST_COVER_PUBLIC} - public == set()
    assert MUST_COVER_TENANT - tenant == set()


@pytest.mark.parametrize("email", PUBLIC_ROLES)
def test_every_public_host_page_carries_the_headers(client_for, public_tenant, acme, email):
    paths = [*page_paths("alquimista.urls_public", acme.pk), "/api/docs"]

    assert visit(client_for, public_tenant, email, paths) == []


@pytest.mark.parametrize("email", TENANT_ROLES)
def test_every_tenant_host_page_carries_the_headers(client_for, acme, email):
    paths = [*page_paths("alquimista.urls_tenant", acme.pk), "/app/dashboard/usage.csv", "/api/docs"]

    assert visit(client_for, acme, email, paths) == []


@pytest.mark.parametrize("email", [None, "admin@alquimista.test", "support@alquimista.test"])
def test_the_django_admin_carries_the_headers_and_needs_no_inline_code(client_for, public_tenant, acme, email):
    paths = (
        ["/admin/login/"]
        if email is None
        else ["/admin/", "/admin/tenants/tenant/", f"/admin/tenants/tenant/{acme.pk}/change/"]
    )

    assert visit(client_for, public_tenant, email, paths) == []


def test_signed_in_pages_are_not_cached_and_anonymous_ones_keep_their_own(client_for, acme):
    signed_in = client_for(acme, "user@acme.test").get("/app/dashboard")
    login = client_for(acme).get("/login/")

    assert signed_in.status_code == 200 and signed_in["Cache-Control"] == "private, no-store"
    # Django's login view is never_cache already; the middleware leaves anonymous responses alone.
    assert login["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_signed_in_downloads_are_not_cached(client_for, acme):
    response = client_for(acme, "admin@acme.test").get("/app/dashboard/usage.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"


def test_the_api_keeps_its_own_cache_control(client_for, acme):
    response = client_for(acme, "user@acme.test").get("/api/tenant/me")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Permissions-Policy"] == EXPECTED_PERMISSIONS_POLICY
    assert csp_directives(response["Content-Security-Policy"]) == EXPECTED_CSP


def test_unknown_host_not_found_page_carries_the_headers(client):
    response = client.get("/", HTTP_HOST="nobody.localhost")

    assert response.status_code == 404
    assert header_problems(response, "/ on nobody.localhost", None) == []
    assert b"/static/css/error.css" in response.content
    # Static files answer on any host, so that page keeps its style sheet.
    assert client.get("/static/css/error.css", HTTP_HOST="nobody.localhost").status_code == 200


def test_a_suspended_tenant_page_carries_the_headers(client_for):
    tenant = Tenant.objects.get(slug="initech")
    tenant.status = "suspended"
    tenant.save(update_fields=["status"])
    response = client_for(tenant, "admin@initech.test").get("/app/dashboard")

    assert response.status_code == 403
    assert header_problems(response, "/app/dashboard on a suspended tenant", "admin@initech.test") == []


PRODUCTION_ENV = {
    "ALQUIMISTA_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "BASE_DOMAIN": "ops.example.com",
    "SECRET_STORE_BACKEND": "aws",
}
SHOW_SECURITY_SETTINGS = (
    "from alquimista import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
)


def security_settings(env: dict) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SITE_", "SECURE_", "OIDC_"))}
    clean = {k: v for k, v in clean.items() if k not in PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SECURITY_SETTINGS],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_production_sends_hsts_for_subdomains_and_secure_cookies():
    assert security_settings(PRODUCTION_ENV) == (
        "31536000 True True True 'self' https://ops.example.com https://*.ops.example.com"
    )
    assert security_settings({**PRODUCTION_ENV, "SECURE_HSTS_SECONDS": "600"}).startswith("600 True ")


def test_development_sends_no_hsts():
    assert security_settings({"ALQUIMISTA_ENV": "development"}).startswith("0 False False False ")


def test_an_sso_logout_may_end_at_the_provider():
    env = {
        "ALQUIMISTA_ENV": "development",
        "OIDC_RP_CLIENT_ID": "ops",
        "OIDC_RP_CLIENT_SECRET": "secret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.com/token",
        "OIDC_OP_USER_ENDPOINT": "https://sso.example.com/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.com/jwks",
        "OIDC_OP_LOGOUT_ENDPOINT": "https://logout.example.com:8443/end-session?x=1",
    }
    form_action = security_settings(env).split(" ", 4)[4]

    assert form_action == "'self' http://localhost:8000 http://*.localhost:8000 https://logout.example.com:8443"
