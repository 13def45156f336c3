"""Login protection, host-bound sessions, set-password links, user management, view-as."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Membership, User, ViewAsSession
from accounts.roles import Role
from accounts.services import membership_set
from accounts.tasks import close_expired_view_as
from alquimista.celery import app
from audit.models import OperationalEvent
from conftest import DEMO_PASSWORD, log_in_on
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def events(action: str, **filters) -> int:
    return OperationalEvent.objects.filter(action=action, **filters).count()


def post_login(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_login_success_and_failure_are_audited(client_for, acme):
    post_login(client_for(acme), "user@acme.test", "wrong-password")
    post_login(client_for(acme), "user@acme.test", DEMO_PASSWORD)

    assert events("auth.login_failed", actor_email="user@acme.test", tenant=acme) == 1
    assert events("auth.login", actor__email="user@acme.test", tenant=acme) == 1
    failed = OperationalEvent.objects.get(action="auth.login_failed")
    assert "wrong-password" not in str(failed.before) + str(failed.after)


def test_lockout_after_repeated_failures_even_with_the_right_password(client_for, acme, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client_for(acme), "user@acme.test", "wrong-password")

    locked = post_login(client_for(acme), "user@acme.test", DEMO_PASSWORD)

    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content
    assert events("auth.locked_out", actor_email="user@acme.test") >= 1
    assert not events("auth.login", actor__email="user@acme.test")


def test_a_session_cookie_from_one_host_is_refused_on_another(client_for, acme, globex):
    acme_client = client_for(acme, "admin@acme.test")
    cookie = acme_client.cookies["sessionid"].value

    stolen = Client(HTTP_HOST="globex.localhost")
    stolen.cookies["sessionid"] = cookie
    response = stolen.get("/app/dashboard")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # The same person's own session keeps working on its own host.
    assert acme_client.get("/app/dashboard").status_code == 200


def test_create_tenant_user_prints_a_set_password_link_never_a_password(acme, capsys):
    call_command(
        "create_tenant_user", email="New.Person@Acme.test", name="New Person", tenant="acme", role="TENANT_USER"
    )

    out = capsys.readouterr().out
    user = User.objects.get(email="new.person@acme.test")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, tenant=acme).role == "TENANT_USER"
    link = re.search(r"http://acme\.localhost:8000(/reset/\S+)", out).group(1)

    client = Client(HTTP_HOST="acme.localhost")
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    done = client.post(form_url, {"new_password1": "a-Fine-passw0rd", "new_password2": "a-Fine-passw0rd"})
    assert done.status_code == 302
    assert post_login(Client(HTTP_HOST="acme.localhost"), "new.person@acme.test", "a-Fine-passw0rd").status_code == 302


def test_create_internal_user_gives_the_role(capsys):
    call_command("create_internal_user", email="ops@alquimista.test", name="Ops", role="INTERNAL_SUPPORT")
    user = User.objects.get(email="ops@alquimista.test")
    assert user.internal_role == "INTERNAL_SUPPORT" and user.is_staff
    assert "http://localhost:8000/reset/" in capsys.readouterr().out
    assert events("user.internal_role_changed", target_id=str(user.pk)) == 1


def test_password_reset_mails_only_people_who_belong_here(client_for, acme):
    client_for(acme).post("/password-reset/", {"email": "user@globex.test"})
    assert mail.outbox == []

    client_for(acme).post("/password-reset/", {"email": "user@acme.test"})
    assert len(mail.outbox) == 1
    assert "http://acme.localhost/reset/" in mail.outbox[0].body  # the host the request came to


def test_tenant_admin_invites_changes_role_and_removes(client_for, acme, django_capture_on_commit_callbacks):
    admin = client_for(acme, "admin@acme.test")

    with django_capture_on_commit_callbacks(execute=True):
        invited = admin.post(
            "/app/dashboard/users", {"email": "carol@acme.test", "name": "Carol", "role": "TENANT_USER"}
        )
    assert invited.status_code == 302
    carol = User.objects.get(email="carol@acme.test")
    assert len(mail.outbox) == 1 and "http://acme.localhost:8000/reset/" in mail.outbox[0].body
    assert "carol@acme.test" == mail.outbox[0].to[0]

    admin.post(f"/app/dashboard/users/{carol.pk}/role", {"role": "TENANT_ADMIN"})
    assert Membership.objects.get(user=carol, tenant=acme).role == "TENANT_ADMIN"
    admin.post(f"/app/dashboard/users/{carol.pk}/remove")
    assert not Membership.objects.filter(user=carol, tenant=acme).exists()
    assert events("membership.role_changed", tenant=acme, target_id=str(carol.pk)) == 2
    assert events("membership.removed", tenant=acme, target_id=str(carol.pk)) == 1


def test_inviting_a_bad_address_is_a_form_error_and_writes_nothing(client_for, acme):
    before = User.objects.count()
    response = client_for(acme, "admin@acme.test").post(
        "/app/dashboard/users", {"email": "not-an-email", "role": "TENANT_USER"}
    )
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert User.objects.count() == before


def test_the_last_tenant_admin_cannot_be_demoted(client_for, acme):
    admin = User.objects.get(email="admin@acme.test")
    client_for(acme, "admin@acme.test").post(f"/app/dashboard/users/{admin.pk}/role", {"role": "TENANT_USER"})
    assert Membership.objects.get(user=admin, tenant=acme).role == "TENANT_ADMIN"


def test_tenant_admin_cannot_touch_members_of_another_tenant(client_for, acme):
    outsider = User.objects.get(email="user@globex.test")
    response = client_for(acme, "admin@acme.test").post(f"/app/dashboard/users/{outsider.pk}/remove")
    assert response.status_code == 404
    assert Membership.objects.filter(user=outsider).count() == 1


def start_view_as(client_for, public_tenant, tenant, email="support@alquimista.test"):
    start = client_for(public_tenant, email).post(f"/app/company/tenants/{tenant.pk}/view-as")
    parts = urlsplit(start["Location"])
    tenant_client = Client(HTTP_HOST=parts.hostname)
    begin = tenant_client.get(f"{parts.path}?{parts.query}")
    tenant_client.get(begin["Location"])
    return tenant_client


def test_view_as_is_read_only_audited_and_shows_a_banner(client_for, public_tenant, acme):
    client = start_view_as(client_for, public_tenant, acme)

    page = client.get("/app/dashboard")
    write = client.post("/api/tenant/api-keys", {"name": "x", "scopes": ["read"]}, content_type="application/json")
    admin_page = client.get("/app/dashboard/users")

    assert page.status_code == 200 and b'data-testid="view-as-banner"' in page.content
    assert write.status_code == 403
    assert admin_page.status_code == 403
    session = ViewAsSession.objects.get(tenant=acme)
    assert "/app/dashboard" in [entry["path"] for entry in session.pages]
    assert events("view_as.started", tenant=acme) == 1

    client.post("/view-as/end")
    session.refresh_from_db()
    assert session.end_reason == "ended"
    assert events("view_as.ended", tenant=acme) == 1
    assert client.get("/app/dashboard").status_code == 302


def test_view_as_records_what_was_served_not_the_favicon_or_refusals(client_for, public_tenant, acme):
    client = start_view_as(client_for, public_tenant, acme)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon["Location"] == "/static/img/favicon.svg"
    client.get("/app/dashboard/users")  # refused (403): not seen
    client.get("/app/dashboard/agents")
    seen = [entry["path"] for entry in ViewAsSession.objects.get(tenant=acme).pages]
    assert "/app/dashboard/agents" in seen
    assert "/favicon.ico" not in seen and "/app/dashboard/users" not in seen


def test_view_as_expires_after_thirty_minutes(client_for, public_tenant, acme):
    client = start_view_as(client_for, public_tenant, acme)
    ViewAsSession.objects.filter(tenant=acme).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/app/dashboard")

    assert response.status_code == 302 and "view_as_ended" in response["Location"]
    assert ViewAsSession.objects.get(tenant=acme).end_reason == "expired"


def test_view_as_gives_nothing_on_another_tenant(client_for, public_tenant, acme, globex):
    client = start_view_as(client_for, public_tenant, acme)
    # The session is bound to acme's host; on globex's host there is no login at all.
    other = Client(HTTP_HOST="globex.localhost")
    other.cookies = client.cookies
    assert other.get("/app/dashboard").status_code == 302


def test_tenant_users_cannot_start_view_as_and_public_tenant_is_refused(client_for, public_tenant):
    assert (
        client_for(public_tenant, "admin@acme.test")
        .post(f"/app/company/tenants/{public_tenant.pk}/view-as")
        .status_code
        == 302
    )
    assert (
        client_for(public_tenant, "admin@alquimista.test")
        .post(f"/app/company/tenants/{public_tenant.pk}/view-as")
        .status_code
        == 404
    )
    assert not ViewAsSession.objects.exists()


@pytest.fixture
def two_tenant_user(acme, globex):
    user = User.objects.create_user(email="both@two.test", name="Both", password=DEMO_PASSWORD)
    membership_set(user=user, tenant=acme, role=Role.TENANT_USER)
    membership_set(user=user, tenant=globex, role=Role.TENANT_ADMIN)
    return user


def follow_login(client, email):
    """Logs in on the client's host and follows redirects, across hosts (the test client keeps one host)."""
    response = post_login(client, email, DEMO_PASSWORD)
    hops = []
    while response.status_code == 302:
        location = response["Location"]
        hops.append(location)
        if location.startswith("http://"):
            host, _, path = location.removeprefix("http://").partition("/")
            client = Client(HTTP_HOST=host.split(":")[0])
            location = "/" + path
        response = client.get(location)
    return hops, response


def test_several_memberships_logging_in_on_a_member_host_land_on_its_dashboard(client_for, acme, two_tenant_user):
    hops, response = follow_login(client_for(acme), "both@two.test")

    assert hops[-1] == "/app/dashboard"
    assert response.status_code == 200 and response.context["request"].tenant == acme


def test_several_memberships_logging_in_on_the_public_host_get_the_chooser(client_for, public_tenant, two_tenant_user):
    hops, response = follow_login(client_for(public_tenant), "both@two.test")

    assert hops[-1] == "/choose-tenant"
    assert response.status_code == 200
    assert [m.tenant.slug for m, _ in response.context["choices"]] == ["acme", "globex"]


def test_several_memberships_on_another_tenant_host_go_to_the_chooser_with_a_ticket(
    client_for, two_tenant_user, public_tenant
):
    initech = Tenant.objects.get(slug="initech")
    hops, response = follow_login(client_for(initech), "both@two.test")

    assert hops[1].startswith("http://localhost:8000/login/handoff?ticket=")
    assert hops[-1] == "/choose-tenant"
    assert response.status_code == 200 and len(response.context["choices"]) == 2


def test_staff_logging_in_on_a_tenant_host_are_carried_to_the_company_panel(client_for, acme):
    hops, response = follow_login(client_for(acme), "support@alquimista.test")

    assert hops[1].startswith("http://localhost:8000/login/handoff?ticket=")
    assert hops[-1] == "/app/company"
    assert response.status_code == 200 and response.context["request"].tenant.is_public


def test_behind_a_proxy_the_lockout_and_audit_use_the_forwarded_client_ip(acme, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_IP_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT

    def via_proxy(forwarded: str) -> Client:
        return Client(HTTP_HOST="acme.localhost", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    for number in range(settings.AXES_FAILURE_LIMIT):
        # The client's forged left-hand entry is not trusted; the proxy appended 203.0.113.7.
        post_login(via_proxy(f"198.51.100.{number}, 203.0.113.7"), f"nobody{number}@acme.test", "wrong-password")

    assert post_login(via_proxy("203.0.113.7"), "admin@acme.test", DEMO_PASSWORD).status_code == 429
    assert post_login(via_proxy("203.0.113.8"), "user@acme.test", DEMO_PASSWORD).status_code == 302
    assert OperationalEvent.objects.get(action="auth.login", actor__email="user@acme.test").ip == "203.0.113.8"
    assert set(OperationalEvent.objects.filter(action="auth.login_failed").values_list("ip", flat=True)) == {
        "203.0.113.7"
    }


def test_without_trusted_proxies_a_forwarded_header_is_ignored(acme, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    client = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    post_login(client, "user@acme.test", DEMO_PASSWORD)
    assert OperationalEvent.objects.get(action="auth.login", actor__email="user@acme.test").ip == "10.0.0.2"


def test_expired_view_as_sessions_are_closed_by_the_beat_task(client_for, public_tenant, acme):
    client = start_view_as(client_for, public_tenant, acme)
    client.get("/app/dashboard/incidents")
    ViewAsSession.objects.filter(tenant=acme).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert app.conf.beat_schedule["close-expired-view-as"]["task"] == close_expired_view_as.name

    assert close_expired_view_as.apply().get() == 1
    assert close_expired_view_as.apply().get() == 0

    session = ViewAsSession.objects.get(tenant=acme)
    assert session.end_reason == "expired" and session.ended_at is not None
    ended = OperationalEvent.objects.get(action="view_as.ended", tenant=acme)
    assert ended.after["reason"] == "expired"
    assert ended.after["pages"] == session.pages
    assert "/app/dashboard/incidents" in [page["path"] for page in ended.after["pages"]]


def test_staff_cannot_attach_another_staff_members_view_as_session(client_for, public_tenant, acme):
    support = start_view_as(client_for, public_tenant, acme)
    session = ViewAsSession.objects.get(tenant=acme)

    other = client_for(acme, "admin@alquimista.test")

    response = other.get(f"/view-as/begin/{session.pk}")

    assert response.status_code == 302 and response["Location"].endswith("/app/company/tenants")
    assert "_alq_view_as" not in other.session
    assert other.get("/app/dashboard").status_code == 404  # staff without a view-as session see no tenant
    assert support.get("/app/dashboard").status_code == 200


def test_view_as_write_refusals_on_the_api_are_json(client_for, public_tenant, acme):
    client = start_view_as(client_for, public_tenant, acme)

    response = client.post("/api/tenant/api-keys", {"name": "x", "scopes": ["read"]}, content_type="application/json")

    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"status": 403, "code": "permission_denied", "message": "Read-only while viewing as the tenant."}
    }
    page = client.post("/app/dashboard/api-keys", {"name": "x"})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


def test_writes_without_a_csrf_token_are_refused_and_change_nothing(acme, public_tenant):
    def csrf_client(tenant, email=None) -> Client:
        client = Client(
            HTTP_HOST="localhost" if tenant.is_public else f"{tenant.slug}.localhost", enforce_csrf_checks=True
        )
        if email:
            log_in_on(client, tenant, User.objects.get(email=email))
        return client

    anonymous = csrf_client(acme)
    admin = csrf_client(acme, "admin@acme.test")
    staff = csrf_client(public_tenant, "support@alquimista.test")
    before = OperationalEvent.objects.count()  # the test logins above are audited

    login = anonymous.post("/login/", {"username": "user@acme.test", "password": DEMO_PASSWORD})
    invite = admin.post("/app/dashboard/users", {"email": "csrf@acme.test", "name": "X", "role": "TENANT_USER"})
    page_key = admin.post("/app/dashboard/api-keys", {"name": "csrf", "scopes": ["read"]})
    api_key = admin.post("/api/tenant/api-keys", {"name": "csrf", "scopes": ["read"]}, content_type="application/json")
    view_as = staff.post(f"/app/company/tenants/{acme.pk}/view-as")
    logout = admin.post("/logout/")

    assert [r.status_code for r in (login, invite, page_key, api_key, view_as, logout)] == [403] * 6
    assert "_auth_user_id" not in anonymous.session
    assert admin.get("/app/dashboard/users").status_code == 200  # still logged in
    assert not User.objects.filter(email="csrf@acme.test").exists()
    assert not ApiKey.objects.filter(tenant=acme).exists()
    assert not ViewAsSession.objects.exists()
    assert OperationalEvent.objects.count() == before
