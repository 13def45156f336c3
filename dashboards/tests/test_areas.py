"""The two areas: who lands where, and what each host shows."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from accounts.handoff import handoff_create
from accounts.models import LoginHandoff, User
from accounts.tasks import purge_login_handoffs
from conftest import DEMO_PASSWORD
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login_on_both_hosts(client_for, acme, public_tenant):
    for tenant, path in ((acme, "/app/dashboard"), (public_tenant, "/app/company")):
        response = client_for(tenant).get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_tenant_member_sees_own_dashboard(client_for, acme):
    for email in ("admin@acme.test", "user@acme.test"):
        response = client_for(acme, email).get("/app/dashboard")
        assert response.status_code == 200
        assert b"Acme Corporation" in response.content
        assert b"Growth" in response.content


def test_member_of_another_tenant_gets_404_on_this_host(client_for, acme):
    for email in ("admin@globex.test", "user@globex.test"):
        response = client_for(acme, email).get("/app/dashboard")
        assert response.status_code == 404
        assert b"Acme" not in response.content


def test_staff_have_no_tenant_dashboard_without_view_as(client_for, acme):
    assert client_for(acme, "admin@alquimista.test").get("/app/dashboard").status_code == 404


def test_staff_see_the_company_panel_with_every_tenant(client_for, public_tenant):
    for email in ("admin@alquimista.test", "support@alquimista.test"):
        response = client_for(public_tenant, email).get("/app/company/tenants")
        assert response.status_code == 200
        for name in (b"Acme Corporation", b"Globex", b"Initech"):
            assert name in response.content
        assert b"Alquimista (public)" not in response.content


def test_company_tenants_filters(client_for, public_tenant):
    client = client_for(public_tenant, "support@alquimista.test")
    by_search = client.get("/app/company/tenants", {"search": "glob"}).content
    by_plan = client.get("/app/company/tenants", {"plan": "starter"}).content
    assert b"Globex" in by_search and b"Acme Corporation" not in by_search
    assert b"Initech" in by_plan and b"Globex" not in by_plan


def test_tenant_user_on_public_host_is_sent_to_their_dashboard(client_for, public_tenant):
    response = client_for(public_tenant, "user@acme.test").get("/app/company")
    assert response.status_code == 302
    assert response["Location"].startswith("http://acme.localhost:8000/login/handoff?ticket=")


def follow_handoff(client_for, tenant, location: str):
    """Open a cross-host redirect on a fresh client of the target host, as a browser would."""

    parts = urlsplit(location)
    client = client_for(tenant)
    return client, client.get(f"{parts.path}?{parts.query}")


@pytest.mark.parametrize(
    "email, landing",
    [
        ("admin@alquimista.test", "http://localhost:8000/app/company"),
        ("support@alquimista.test", "http://localhost:8000/app/company"),
    ],
)
def test_staff_land_on_the_company_panel(client_for, public_tenant, email, landing):
    client = client_for(public_tenant)
    response = client.post("/login/", {"username": email, "password": DEMO_PASSWORD})
    assert client.get(response["Location"])["Location"] == "/app/company"
    assert client.get("/app/company").status_code == 200


@pytest.mark.parametrize("email, slug", [("admin@acme.test", "acme"), ("user@globex.test", "globex")])
def test_tenant_users_logging_in_on_the_public_host_land_logged_in_on_their_host(
    client_for, public_tenant, email, slug
):
    tenant = Tenant.objects.get(slug=slug)
    client = client_for(public_tenant)
    client.post("/login/", {"username": email, "password": DEMO_PASSWORD})
    location = client.get("/")["Location"]
    assert location.startswith(f"http://{slug}.localhost:8000/login/handoff?ticket=")

    tenant_client, response = follow_handoff(client_for, tenant, location)
    assert response["Location"] == "/app/dashboard"
    assert tenant_client.get("/app/dashboard").status_code == 200


def test_a_handoff_ticket_works_once_and_only_on_its_tenant(client_for, public_tenant, acme, globex):
    location = client_for(public_tenant, "admin@acme.test").get("/")["Location"]

    _, on_wrong_host = follow_handoff(client_for, globex, location)
    _, first = follow_handoff(client_for, acme, location)
    _, replay = follow_handoff(client_for, acme, location)

    assert on_wrong_host["Location"] == "/login/"
    assert first["Location"] == "/app/dashboard"
    assert replay["Location"] == "/login/"


def test_login_on_the_tenant_host_stays_on_it(client_for, acme):
    client = client_for(acme)
    response = client.post("/login/", {"username": "user@acme.test", "password": DEMO_PASSWORD})
    assert client.get(response["Location"])["Location"] == "/app/dashboard"


def test_wrong_password_shows_a_form_error(client_for, acme):
    response = client_for(acme).post("/login/", {"username": "admin@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content


def test_expired_tickets_are_purged_and_fresh_ones_kept(acme):
    user = User.objects.get(email="admin@acme.test")
    handoff_create(user=user, tenant=acme)
    handoff_create(user=user, tenant=acme)
    LoginHandoff.objects.filter(pk=LoginHandoff.objects.order_by("pk").first().pk).update(
        expires_at=timezone.now() - timedelta(days=2)
    )

    assert purge_login_handoffs() == 1
    assert LoginHandoff.objects.count() == 1
