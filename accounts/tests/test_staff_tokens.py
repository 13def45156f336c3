"""Staff personal access tokens: shown once, hashed, scoped, bounded by the owner's role, company host only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import StaffToken, User
from accounts.services import internal_role_set
from accounts.staff_tokens import staff_token_create, staff_token_revoke
from audit.models import OperationalEvent
from conftest import host_of

pytestmark = pytest.mark.django_db
ADMIN = "admin@alquimista.test"
SUPPORT = "support@alquimista.test"


def staff(email):
    return User.objects.get(email=email)


def token_client(tenant, raw: str) -> Client:
    return Client(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=f"Token {raw}")


def token_for(email, scopes, **kwargs) -> str:
    return staff_token_create(user=staff(email), name="script", scopes=scopes, **kwargs)[1]


def test_a_token_is_shown_once_stored_hashed_and_audited(client_for, public_tenant):
    page = client_for(public_tenant, ADMIN)

    created = page.post("/profile/tokens", {"name": "nightly report", "scopes": ["read"], "expires_in_days": "30"})
    shown = page.get(created["Location"]).content.decode()
    again = page.get("/profile/tokens").content.decode()

    token = StaffToken.objects.get(user=staff(ADMIN))
    raw = shown.split('<code class="secret">')[1].split("</code>")[0]
    assert created.status_code == 302 and raw.startswith(f"alq_pat_{token.prefix}_")
    assert raw not in again and token.prefix in again
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM accounts_stafftoken t WHERE id = %s", [token.pk])
        assert raw.rsplit("_", 1)[1] not in cursor.fetchone()[0]
    assert token.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
    assert OperationalEvent.objects.filter(action="staff_token.created", target_id=str(token.pk)).count() == 1


def test_a_script_with_tokens_provisions_a_tenant_runs_a_health_check_and_reads_billing(
    public_tenant, acme, django_capture_on_commit_callbacks
):
    raw = token_for(ADMIN, ["read", "commands", "lifecycle", "billing"])
    script = token_client(public_tenant, raw)
    body = {
        "slug": "tokenco",
        "name": "Token Co",
        "plan": "starter",
        "owner_name": "T",
        "owner_email": "t@tokenco.test",
    }

    with django_capture_on_commit_callbacks():
        provisioned = script.post("/api/internal/tenants", body, content_type="application/json")
        command = script.post(
            "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"}, "application/json"
        )
    billing = script.get("/api/internal/billing/overview")

    assert provisioned.status_code == 202
    assert command.status_code == 201 and command.json()["created_by"] == ADMIN
    assert billing.status_code == 200
    assert script.get(f"/api/internal/operations/commands/{command.json()['id']}").status_code == 200


def test_scopes_bound_a_token(public_tenant, acme):
    reader = token_client(public_tenant, token_for(ADMIN, ["read"]))

    assert reader.get("/api/internal/tenants").status_code == 200
    assert reader.get("/api/internal/billing/overview").status_code == 403
    refused = reader.post(
        "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"}, "application/json"
    )
    assert refused.status_code == 403
    assert "cost" not in reader.get(f"/api/internal/tenants/{acme.pk}").content.decode().lower()


def test_support_cannot_mint_admin_scopes_and_a_token_never_exceeds_its_owners_role(public_tenant, acme):
    with pytest.raises(Exception) as refused:
        token_for(SUPPORT, ["read", "lifecycle"])
    assert "lifecycle" in str(refused.value)

    support = token_client(public_tenant, token_for(SUPPORT, ["read", "commands"]))
    reset = support.post(
        "/api/internal/operations/commands", {"tenant_id": acme.pk, "type": "RESET_TOKEN"}, "application/json"
    )
    assert reset.status_code == 403


def test_a_token_stops_working_when_revoked_expired_or_its_owner_leaves_the_staff(public_tenant):
    revoked, expired, leaver = (token_for(ADMIN, ["read"]) for _ in range(3))
    staff_token_revoke(token=StaffToken.objects.get(prefix=revoked.split("_")[2]), actor=staff(ADMIN))
    StaffToken.objects.filter(prefix=expired.split("_")[2]).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert token_client(public_tenant, revoked).get("/api/internal/tenants").status_code == 401
    assert token_client(public_tenant, expired).get("/api/internal/tenants").status_code == 401
    assert token_client(public_tenant, leaver).get("/api/internal/tenants").status_code == 200
    internal_role_set(user=staff(ADMIN), role=None)
    assert token_client(public_tenant, leaver).get("/api/internal/tenants").status_code == 401


def test_a_token_is_refused_on_a_tenant_host_and_a_forged_one_everywhere(public_tenant, acme):
    raw = token_for(ADMIN, ["read"])
    prefix = raw.split("_")[2]

    on_tenant = token_client(acme, raw).get("/api/tenant/me")
    forged = token_client(public_tenant, f"alq_pat_{prefix}_{'A' * 43}").get("/api/internal/tenants")

    assert on_tenant.status_code == 401 and "company" in on_tenant.json()["error"]["message"]
    assert forged.status_code == 401


def test_last_use_is_recorded(public_tenant):
    raw = token_for(SUPPORT, ["read"])
    token_client(public_tenant, raw).get("/api/internal/tenants")
    assert StaffToken.objects.get(prefix=raw.split("_")[2]).last_used_at is not None


def test_tokens_are_personal_and_tenant_people_have_none(client_for, public_tenant, acme):
    token_for(ADMIN, ["read"])
    other = StaffToken.objects.get(user=staff(ADMIN))

    support_page = client_for(public_tenant, SUPPORT)
    assert other.prefix not in support_page.get("/profile/tokens").content.decode()
    assert support_page.post(f"/profile/tokens/{other.pk}/revoke").status_code == 404
    assert client_for(public_tenant, "admin@acme.test").get("/profile/tokens").status_code in (302, 403, 404)
    with pytest.raises(Exception, match="staff"):
        staff_token_create(user=staff("admin@acme.test"), name="x", scopes=["read"])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["everything"]}, "scopes"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": "3"}, "expires_in_days"),
    ],
)
def test_bad_token_input_is_a_form_error_and_nothing_is_written(client_for, public_tenant, data, field):
    response = client_for(public_tenant, SUPPORT).post("/profile/tokens", data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not StaffToken.objects.exists()


def test_the_support_role_may_have_read_and_commands_tokens():
    token, _ = staff_token_create(user=staff(SUPPORT), name="ops", scopes=["commands", "read"])
    assert token.scopes == ["commands", "read"]


def test_the_api_creates_lists_and_revokes_own_tokens_with_a_session_only(client_for, public_tenant):
    session = client_for(public_tenant, SUPPORT)

    created = session.post("/api/internal/tokens", {"name": "cron", "scopes": ["read"]}, "application/json")
    raw = created.json()["token"]
    listed = session.get("/api/internal/tokens").json()["results"]
    by_token = token_client(public_tenant, raw).post(
        "/api/internal/tokens", {"name": "more", "scopes": ["read"]}, "application/json"
    )
    too_much = session.post("/api/internal/tokens", {"name": "x", "scopes": ["lifecycle"]}, "application/json")

    assert created.status_code == 201 and raw.startswith("alq_pat_")
    assert [item["prefix"] for item in listed] == [created.json()["prefix"]] and "token" not in listed[0]
    assert by_token.status_code == 403
    assert too_much.status_code == 400 and "scopes" in too_much.json()["error"]["fields"]
    revoked = session.post(f"/api/internal/tokens/{created.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert token_client(public_tenant, raw).get("/api/internal/tenants").status_code == 401


def test_an_internal_admin_may_revoke_anyones_token_and_support_only_their_own(client_for, public_tenant):
    supports = staff_token_create(user=staff(SUPPORT), name="s", scopes=["read"])[0]
    admins = staff_token_create(user=staff(ADMIN), name="a", scopes=["read"])[0]

    assert client_for(public_tenant, SUPPORT).post(f"/api/internal/tokens/{admins.pk}/revoke").status_code == 404
    assert client_for(public_tenant, ADMIN).post(f"/api/internal/tokens/{supports.pk}/revoke").status_code == 200
    assert OperationalEvent.objects.filter(action="staff_token.revoked", target_id=str(supports.pk)).exists()
