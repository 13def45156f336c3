from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import OperationalEvent
from conftest import broker_take
from tenants.models import Backup, ProvisioningRun, Tenant
from tenants.provisioning import provisioning_requeue, provisioning_run

pytestmark = pytest.mark.django_db

BODY = {"slug": "wonka", "name": "Wonka", "plan": "starter", "owner_name": "Willy", "owner_email": "willy@wonka.test"}


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_admin_provisions_through_the_api_and_follows_the_run(
    client_for, public_tenant, django_capture_on_commit_callbacks
):
    admin = client_for(public_tenant, "admin@alquimista.test")
    with django_capture_on_commit_callbacks() as queued:
        response = post(admin, "/api/internal/tenants", BODY)
    assert response.status_code == 202 and response.json()["status"] == "pending" and len(queued) == 1

    provisioning_run(response.json()["id"])  # what the worker does with the queued task
    run = admin.get(f"/api/internal/provisioning-runs/{response.json()['id']}").json()
    assert run["status"] == "succeeded" and [s["status"] for s in run["steps"]] == ["done"] * 9
    assert Tenant.objects.get(slug="wonka").status == "active"


def test_support_cannot_provision_and_bad_input_names_the_field(client_for, public_tenant):
    assert post(client_for(public_tenant, "support@alquimista.test"), "/api/internal/tenants", BODY).status_code == 403
    response = post(
        client_for(public_tenant, "admin@alquimista.test"),
        "/api/internal/tenants",
        {**BODY, "slug": "admin", "owner_email": ""},
    )
    assert response.status_code == 400 and {"slug", "owner_email"} <= set(response.json()["error"]["fields"])
    assert not ProvisioningRun.objects.filter(slug__in=["wonka", "admin"]).exists()


def test_secrets_are_listed_without_values_and_rotated_by_admins_only(client_for, public_tenant):
    admin = client_for(public_tenant, "admin@alquimista.test")
    run = provisioning_run(post(admin, "/api/internal/tenants", BODY).json()["id"])
    url = f"/api/internal/tenants/{run.tenant_id}/secrets"

    listed = client_for(public_tenant, "support@alquimista.test").get(url)
    names = [s["name"] for s in listed.json()["results"]]
    assert names == [
        "tenant/wonka/jwt-signing-key",
        "tenant/wonka/owner-initial-password",
        "tenant/wonka/webhook-api-key",
    ]
    assert "value" not in listed.content.decode()
    assert post(client_for(public_tenant, "support@alquimista.test"), url, {"name": names[0]}).status_code == 403
    rotated = post(admin, url, {"name": names[0]})
    assert rotated.status_code == 201 and rotated.json() == {"name": names[0], "version": 2}
    assert post(admin, url, {"name": "tenant/acme/jwt-signing-key"}).status_code == 400


def test_suspend_and_resume_through_the_api(client_for, public_tenant, acme):
    admin = client_for(public_tenant, "admin@alquimista.test")
    assert post(admin, f"/api/internal/tenants/{acme.pk}/suspend", {"reason": "unpaid"}).json()["status"] == "suspended"
    assert post(admin, f"/api/internal/tenants/{acme.pk}/suspend").status_code == 400
    assert post(admin, f"/api/internal/tenants/{acme.pk}/resume").json()["status"] == "active"


def test_a_reason_that_is_not_text_is_a_400_naming_it_and_nothing_changes(client_for, public_tenant, acme):
    admin = client_for(public_tenant, "admin@alquimista.test")
    for reason in (42, ["unpaid"], {"why": "unpaid"}):
        response = post(admin, f"/api/internal/tenants/{acme.pk}/suspend", {"reason": reason})
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["reason"]
    acme.refresh_from_db()
    assert acme.status == "active"
    assert not OperationalEvent.objects.filter(action="tenant.suspended", tenant=acme).exists()


def test_a_json_list_as_the_body_of_any_lifecycle_post_is_a_400(client_for, public_tenant, acme):
    admin = client_for(public_tenant, "admin@alquimista.test")
    backup = Backup.objects.create(kind=Backup.Kind.TENANT, tenant_slug="acme", location="/nowhere/acme.dump")
    before = Backup.objects.count()
    paths = [
        *(f"/api/internal/tenants/{acme.pk}/{action}" for action in ("suspend", "resume", "archive")),
        f"/api/internal/tenants/{acme.pk}/secrets",
        f"/api/internal/tenants/{acme.pk}/backups",
        "/api/internal/backups",
        f"/api/internal/backups/{backup.pk}/restore",
    ]
    for path in paths:
        response = admin.post(path, "[1, 2]", content_type="application/json")
        assert response.status_code == 400, path
        assert list(response.json()["error"]["fields"]) == ["body"], path
    provision = admin.post("/api/internal/tenants", "[1, 2]", content_type="application/json")
    assert provision.status_code == 400
    acme.refresh_from_db()
    assert acme.status == "active" and Backup.objects.count() == before


def test_a_restore_slug_that_is_not_a_string_is_a_400_naming_it(client_for, public_tenant):
    admin = client_for(public_tenant, "admin@alquimista.test")
    backup = Backup.objects.create(kind=Backup.Kind.TENANT, tenant_slug="acme", location="/nowhere/acme.dump")
    for slug in (["acme-copy"], 7, False, {}):
        response = post(admin, f"/api/internal/backups/{backup.pk}/restore", {"slug": slug})
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["slug"], slug
    assert not Tenant.objects.filter(slug="acme-copy").exists()


def test_a_run_whose_message_was_lost_to_a_broker_outage_is_sent_again(
    client_for, public_tenant, broker_down, settings, django_capture_on_commit_callbacks
):
    broker_take("tenants.provision")  # other tests' leftovers
    admin = client_for(public_tenant, "admin@alquimista.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(admin, "/api/internal/tenants", BODY)
    assert response.status_code == 202  # Redis was down: the request still succeeds, the run waits
    run_id = response.json()["id"]
    broker_down()  # Redis is back
    assert provisioning_requeue() == 0 and broker_take("tenants.provision") == []  # not stale yet

    later = timezone.now() + timedelta(seconds=settings.REQUEUE_AFTER_SECONDS + 1)
    assert provisioning_requeue(now=later) == 1
    assert broker_take("tenants.provision") == [(run_id,)]
    provisioning_run(run_id)  # what the worker does with the message
    assert ProvisioningRun.objects.get(pk=run_id).status == "succeeded"
    assert provisioning_requeue(now=later) == 0
