import pytest
from django.db import connection
from django.test import Client

from accounts.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from accounts.models import ApiKey
from audit.models import OperationalEvent

pytestmark = pytest.mark.django_db


def key_client(tenant, raw: str) -> Client:
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_tenant_admin_creates_a_key_shown_once_and_stored_hashed(client_for, acme):
    client = client_for(acme, "admin@acme.test")

    created = client.post(
        "/api/tenant/api-keys", {"name": "CRM sync", "scopes": ["read"]}, content_type="application/json"
    )

    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith(f"alq_{body['prefix']}_")
    key = ApiKey.objects.get(pk=body["id"])
    secret = raw.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(k)::text FROM accounts_apikey k WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored
    listed = client.get("/api/tenant/api-keys").json()["results"]
    assert [item["prefix"] for item in listed] == [body["prefix"]]
    assert "key" not in listed[0] and secret not in str(listed)
    assert OperationalEvent.objects.filter(action="api_key.created", tenant=acme, target_id=str(key.pk)).count() == 1


def test_key_reads_its_tenant_and_nothing_else(acme, globex):
    _, raw = api_key_create(tenant=acme, name="reader", scopes=["read"])

    mine = key_client(acme, raw).get("/api/tenant/me")
    other = key_client(globex, raw).get("/api/tenant/me")

    assert mine.status_code == 200 and mine.json()["slug"] == "acme"
    assert other.status_code == 401
    assert other.json()["error"]["status"] == 401
    assert "acme" not in other.content.decode().lower()


def test_revoked_key_is_refused(client_for, acme):
    key, raw = api_key_create(tenant=acme, name="short-lived", scopes=["read"])
    revoke = client_for(acme, "admin@acme.test").post(f"/api/tenant/api-keys/{key.pk}/revoke")

    assert revoke.status_code == 200 and revoke.json()["active"] is False
    assert key_client(acme, raw).get("/api/tenant/me").status_code == 401
    assert OperationalEvent.objects.filter(action="api_key.revoked", target_id=str(key.pk)).count() == 1


def test_a_verified_key_is_read_from_the_cache_without_a_query(acme, django_assert_num_queries):
    _, raw = api_key_create(tenant=acme, name="busy client", scopes=["read"])
    assert api_key_authenticate(raw=raw, tenant=acme) is not None

    with django_assert_num_queries(0):
        principal = api_key_authenticate(raw=raw, tenant=acme)

    assert principal is not None and principal.key.tenant_id == acme.pk and principal.scopes == {"read"}


def test_a_cached_key_is_refused_as_soon_as_its_revocation_commits(acme, django_capture_on_commit_callbacks):
    key, raw = api_key_create(tenant=acme, name="used then revoked", scopes=["read"])
    assert key_client(acme, raw).get("/api/tenant/me").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(key=key)

    assert api_key_authenticate(raw=raw, tenant=acme) is None
    assert key_client(acme, raw).get("/api/tenant/me").status_code == 401


def test_a_cached_key_deleted_by_any_path_is_refused(acme, django_capture_on_commit_callbacks):
    key, raw = api_key_create(tenant=acme, name="used then deleted", scopes=["read"])
    assert api_key_authenticate(raw=raw, tenant=acme) is not None

    with django_capture_on_commit_callbacks(execute=True):
        ApiKey.objects.filter(pk=key.pk).delete()

    assert api_key_authenticate(raw=raw, tenant=acme) is None


def test_a_cached_key_still_checks_the_secret_and_the_tenant(acme, globex):
    key, raw = api_key_create(tenant=acme, name="cached", scopes=["read"])
    assert api_key_authenticate(raw=raw, tenant=acme) is not None

    assert api_key_authenticate(raw=f"alq_{key.prefix}_{'A' * 43}", tenant=acme) is None
    assert api_key_authenticate(raw=raw, tenant=globex) is None


def test_forged_key_with_a_real_prefix_is_refused(acme):
    key, raw = api_key_create(tenant=acme, name="real", scopes=["read"])
    forged = f"alq_{key.prefix}_{'A' * 43}"
    assert key_client(acme, forged).get("/api/tenant/me").status_code == 401


def test_ingest_only_key_cannot_read(acme):
    _, raw = api_key_create(tenant=acme, name="ingest", scopes=["ingest"])
    assert key_client(acme, raw).get("/api/tenant/me").status_code == 403


def test_keys_cannot_manage_keys(acme):
    _, raw = api_key_create(tenant=acme, name="reader", scopes=["read", "ingest"])
    assert key_client(acme, raw).post("/api/tenant/api-keys", {"name": "x", "scopes": ["read"]}).status_code == 403


def test_last_used_is_recorded(acme):
    key, raw = api_key_create(tenant=acme, name="reader", scopes=["read"])
    key_client(acme, raw).get("/api/tenant/me")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_tenant_user_cannot_create_keys_and_nothing_is_written(client_for, acme):
    before = ApiKey.objects.count()
    response = client_for(acme, "user@acme.test").post(
        "/api/tenant/api-keys", {"name": "x", "scopes": ["read"]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert ApiKey.objects.count() == before


def test_other_tenants_admin_gets_404(client_for, acme):
    response = client_for(acme, "admin@globex.test").get("/api/tenant/api-keys")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["root"]}, "scopes"),
    ],
)
def test_bad_input_names_the_field(client_for, acme, payload, field):
    before = ApiKey.objects.count()
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/api-keys", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert ApiKey.objects.count() == before


def test_internal_admin_manages_any_tenants_keys_and_support_cannot(client_for, public_tenant, acme):
    url = f"/api/internal/tenants/{acme.pk}/api-keys"
    payload = {"name": "staff-made", "scopes": ["ingest"]}

    support = client_for(public_tenant, "support@alquimista.test").post(url, payload, content_type="application/json")
    admin = client_for(public_tenant, "admin@alquimista.test").post(url, payload, content_type="application/json")

    assert support.status_code == 403
    assert admin.status_code == 201
    assert ApiKey.objects.get(pk=admin.json()["id"]).tenant == acme
    assert (
        client_for(public_tenant, "admin@alquimista.test")
        .post(f"/api/internal/tenants/{public_tenant.pk}/api-keys", payload, content_type="application/json")
        .status_code
        == 404
    )


def test_anonymous_api_gets_401_json(acme):
    response = Client(HTTP_HOST="acme.localhost").get("/api/tenant/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_key_name_too_long_is_a_form_error_not_a_500(client_for, acme):
    client = client_for(acme, "admin@acme.test")

    page = client.post("/app/dashboard/api-keys", {"name": "k" * 101, "scopes": ["read"]})
    api = client.post("/api/tenant/api-keys", {"name": "k" * 101, "scopes": ["read"]}, content_type="application/json")

    assert page.status_code == 400
    assert "name: Use at most 100 characters." in [str(message) for message in page.context["messages"]]
    assert api.status_code == 400 and "name" in api.json()["error"]["fields"]
    assert not ApiKey.objects.filter(tenant=acme).exists()
    nul = client.post("/app/dashboard/api-keys", {"name": "a\x00b", "scopes": ["read"]})
    assert nul.status_code == 400 and not ApiKey.objects.filter(tenant=acme).exists()
    assert client.post("/app/dashboard/api-keys", {"name": "k" * 100, "scopes": ["read"]}).status_code == 200
