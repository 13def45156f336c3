"""Every internal tenant operation answers exactly what the OpenAPI contract documents."""

import uuid

import pytest

from core.tests.contract import assert_conforms
from tenants.models import Backup, Tenant
from tenants.provisioning import provisioning_run
from vault import get_secret_store

pytestmark = pytest.mark.django_db

ADMIN = "admin@alquimista.test"
SUPPORT = "support@alquimista.test"
BODY = {
    "slug": "wonka",
    "name": "Wonka",
    "plan": "starter",
    "owner_name": "Willy",
    "owner_email": "willy@wonka.test",
    "contacts": [{"name": "Charlie", "email": "charlie@wonka.test", "role": "ops"}],
}


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


@pytest.fixture
def admin(client_for, public_tenant):
    return client_for(public_tenant, ADMIN)


def test_the_tenant_list_and_its_errors(admin, acme):
    listed = admin.get("/api/internal/tenants", {"ordering": "-requests_30d", "page_size": 2})
    assert listed.status_code == 200 and listed.json()["count"] >= 2
    assert_conforms(listed, "get", "/api/internal/tenants")
    assert_conforms(admin.get("/api/internal/tenants", {"status": "sleeping"}), "get", "/api/internal/tenants")


def test_provisioning_and_its_run(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        accepted = post(admin, "/api/internal/tenants", BODY)
    assert accepted.status_code == 202
    assert_conforms(accepted, "post", "/api/internal/tenants")
    assert_conforms(post(admin, "/api/internal/tenants", {**BODY, "slug": "admin"}), "post", "/api/internal/tenants")

    provisioning_run(accepted.json()["id"])
    run = admin.get(f"/api/internal/provisioning-runs/{accepted.json()['id']}")
    assert run.json()["status"] == "succeeded" and all("finished_at" in step for step in run.json()["steps"])
    assert_conforms(run, "get", "/api/internal/provisioning-runs/{run_id}")
    missing = admin.get(f"/api/internal/provisioning-runs/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert_conforms(missing, "get", "/api/internal/provisioning-runs/{run_id}")


@pytest.mark.parametrize("email", [ADMIN, SUPPORT])
def test_the_tenant_detail_with_and_without_cost(client_for, public_tenant, acme, email):
    detail = client_for(public_tenant, email).get(f"/api/internal/tenants/{acme.pk}")
    assert detail.status_code == 200 and ("cost" in detail.json()["month"]) == (email == ADMIN)
    assert_conforms(detail, "get", "/api/internal/tenants/{tenant_id}")


def test_an_unknown_tenant_is_a_documented_404(admin):
    assert_conforms(admin.get("/api/internal/tenants/999999"), "get", "/api/internal/tenants/{tenant_id}")


def test_suspend_resume_and_a_refused_transition(admin, acme):
    for transition in ("suspend", "resume"):
        response = post(admin, f"/api/internal/tenants/{acme.pk}/{transition}", {"reason": "unpaid"})
        assert response.status_code == 200
        assert_conforms(response, "post", f"/api/internal/tenants/{{tenant_id}}/{transition}")
    refused = post(admin, f"/api/internal/tenants/{acme.pk}/resume", {"reason": 42})
    assert refused.status_code == 400
    assert_conforms(refused, "post", "/api/internal/tenants/{tenant_id}/resume")


def test_archive(admin, acme, monkeypatch):
    def archived(*, tenant, **_):
        tenant.status = Tenant.Status.ARCHIVED
        return tenant

    monkeypatch.setattr("tenants.api.tenant_archive", archived)  # the real one drops the schema
    response = post(admin, f"/api/internal/tenants/{acme.pk}/archive")
    assert response.json()["status"] == "archived"
    assert_conforms(response, "post", "/api/internal/tenants/{tenant_id}/archive")


def test_secrets_are_a_page_and_rotate(client_for, public_tenant, acme):
    get_secret_store().put("tenant/acme/contract-key", "s3cret", tags={"tenant": "acme", "kind": "jwt"})
    url = f"/api/internal/tenants/{acme.pk}/secrets"
    listed = client_for(public_tenant, SUPPORT).get(url, {"page_size": 200})
    assert "tenant/acme/contract-key" in [secret["name"] for secret in listed.json()["results"]]
    assert_conforms(listed, "get", "/api/internal/tenants/{tenant_id}/secrets")
    assert_conforms(
        client_for(public_tenant, SUPPORT).get(url, {"page": "0"}), "get", "/api/internal/tenants/{tenant_id}/secrets"
    )

    admin = client_for(public_tenant, ADMIN)
    rotated = post(admin, url, {"name": "tenant/acme/contract-key"})
    assert rotated.status_code == 201 and rotated.json()["version"] == 2
    assert_conforms(rotated, "post", "/api/internal/tenants/{tenant_id}/secrets")
    assert_conforms(
        post(admin, url, {"name": "tenant/globex/nope"}), "post", "/api/internal/tenants/{tenant_id}/secrets"
    )


def test_backups_taken_listed_and_restored(admin, acme, monkeypatch):
    tenant_backup = post(admin, f"/api/internal/tenants/{acme.pk}/backups")
    assert tenant_backup.status_code == 201
    assert_conforms(tenant_backup, "post", "/api/internal/tenants/{tenant_id}/backups")
    full = post(admin, "/api/internal/backups")
    assert full.status_code == 201
    assert_conforms(full, "post", "/api/internal/backups")

    listed = admin.get("/api/internal/backups")
    assert listed.json()["count"] >= 2
    assert_conforms(listed, "get", "/api/internal/backups")
    assert_conforms(admin.get("/api/internal/backups", {"page_size": "0"}), "get", "/api/internal/backups")

    monkeypatch.setattr("tenants.api.restore_tenant", lambda **_: acme)  # the real one refuses a test's transaction
    restored = post(admin, f"/api/internal/backups/{tenant_backup.json()['id']}/restore", {"slug": None})
    assert restored.json() == {"id": acme.pk, "slug": "acme", "status": "active"}
    assert_conforms(restored, "post", "/api/internal/backups/{backup_id}/restore")
    missing = post(admin, f"/api/internal/backups/{Backup.objects.order_by('-pk').first().pk + 1}/restore")
    assert missing.status_code == 404
    assert_conforms(missing, "post", "/api/internal/backups/{backup_id}/restore")
