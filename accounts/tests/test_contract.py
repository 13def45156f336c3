"""Every API-key operation answers as the OpenAPI contract documents it, on both hosts."""

import pytest

from core.tests.contract import assert_conforms

pytestmark = pytest.mark.django_db
JSON = "application/json"


def exercise(client, keys_url: str, keys_path: str) -> None:
    created = client.post(keys_url, {"name": "crm agent", "scopes": ["ingest", "read"]}, content_type=JSON)
    assert created.status_code == 201 and created.json()["key"].startswith("alq_")
    assert_conforms(created, "post", keys_path)
    assert_conforms(client.post(keys_url, {"name": "x", "scopes": []}, content_type=JSON), "post", keys_path)
    listed = client.get(keys_url)
    assert listed.json()["count"] >= 1 and "key" not in listed.json()["results"][0]
    assert_conforms(listed, "get", keys_path)
    assert_conforms(client.get(keys_url, {"page": "0"}), "get", keys_path)

    revoke_path = f"{keys_path}/{{key_id}}/revoke"
    revoked = client.post(f"{keys_url}/{created.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert_conforms(revoked, "post", revoke_path)
    assert_conforms(client.post(f"{keys_url}/999999/revoke"), "post", revoke_path)


def test_tenant_api_keys(acme, client_for):
    exercise(client_for(acme, "admin@acme.test"), "/api/tenant/api-keys", "/api/tenant/api-keys")


def test_internal_api_keys(acme, client_for, public_tenant):
    exercise(
        client_for(public_tenant, "admin@alquimista.test"),
        f"/api/internal/tenants/{acme.pk}/api-keys",
        "/api/internal/tenants/{tenant_id}/api-keys",
    )
