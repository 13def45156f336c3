import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import User
from integrations.models import Integration
from operations.commands import batch_create, command_create
from operations.commands_models import Command, CommandBatch
from tenants.models import Plan, ProvisioningRun, Tenant

pytestmark = pytest.mark.django_db


def test_run_a_command_from_the_panel_and_see_its_page(client_for, public_tenant, acme):
    client = client_for(public_tenant, "support@alquimista.test")
    response = client.post("/app/company/commands/new", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"})
    command = Command.objects.get(tenant=acme, type="HEALTH_CHECK")
    assert response["Location"] == f"/app/company/commands/{command.pk}"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'data-testid="command-status"' in page.content and b"every 1s" in page.content
    listing = client.get("/app/company/commands")
    assert b"every 2s" in listing.content  # polls while a command is pending
    fragment = client.get("/app/company/commands", HTTP_HX_REQUEST="true")
    assert fragment.content.lstrip().startswith(b'<div id="commands-table"')


def test_bad_command_input_is_a_message_and_nothing_is_created(client_for, public_tenant, acme):
    client = client_for(public_tenant, "admin@alquimista.test")
    response = client.post(
        "/app/company/commands/new", {"tenant_id": acme.pk, "type": "RESTART_AGENT", "agent_id": "999999"}, follow=True
    )
    assert b"No such agent in this tenant" in response.content
    assert not Command.objects.filter(tenant=acme).exists()


def test_support_is_refused_reset_token_from_the_form(client_for, public_tenant, acme):
    response = client_for(public_tenant, "support@alquimista.test").post(
        "/app/company/commands/new", {"tenant_id": acme.pk, "type": "RESET_TOKEN", "integration_id": "1"}, follow=True
    )
    assert b"may not run RESET_TOKEN" in response.content and not Command.objects.exists()


def test_events_page_filters_and_links_the_csv_export(client_for, public_tenant):
    page = client_for(public_tenant, "support@alquimista.test").get("/app/company/events", {"action": "membership."})
    assert page.status_code == 200 and b"membership.role_changed" in page.content and b"auth.login" not in page.content
    assert b"/api/internal/events?export=csv&action=membership." in page.content
    assert (
        client_for(public_tenant, "support@alquimista.test").get("/app/company/events", {"page": "x"}).status_code
        == 400
    )


def test_provisioning_form_errors_and_a_run_page(client_for, public_tenant, django_capture_on_commit_callbacks):
    client = client_for(public_tenant, "admin@alquimista.test")
    bad = client.post(
        "/app/company/provision",
        {"name": "X", "slug": "www", "plan": "starter", "owner_name": "O", "owner_email": "bad"},
    )
    assert bad.status_code == 400 and b"is reserved" in bad.content and b"valid e-mail" in bad.content
    assert not ProvisioningRun.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        ok = client.post(
            "/app/company/provision",
            {
                "name": "Pied Piper",
                "slug": "pied-piper",
                "plan": "starter",
                "owner_name": "Richard",
                "owner_email": "richard@pp.test",
                "sla": "standard",
            },
        )
    run = ProvisioningRun.objects.get(slug="pied-piper")
    assert ok["Location"] == f"/app/company/provision/{run.pk}" and len(queued) == 1
    assert b"every 1s" in client.get(ok["Location"]).content
    assert client_for(public_tenant, "support@alquimista.test").get("/app/company/provision").status_code == 403


def test_tenant_operations_page_offers_only_allowed_actions(client_for, public_tenant, acme):
    support = client_for(public_tenant, "support@alquimista.test").get(f"/app/company/tenants/{acme.pk}/operations")
    admin = client_for(public_tenant, "admin@alquimista.test").get(f"/app/company/tenants/{acme.pk}/operations")
    assert support.status_code == admin.status_code == 200
    assert (
        b"Run health check" in support.content
        and b"Reset token" not in support.content
        and b"Suspend" not in support.content
    )
    assert b"Reset token" in admin.content and b"Suspend" in admin.content
    suspended = client_for(public_tenant, "admin@alquimista.test").post(
        f"/app/company/tenants/{acme.pk}/suspend", {"reason": "test"}
    )
    acme.refresh_from_db()
    assert suspended.status_code == 302 and acme.status == "suspended"


def test_tenant_detail_runs_a_health_check_and_lists_recent_commands(client_for, public_tenant, acme):
    client = client_for(public_tenant, "support@alquimista.test")
    assert b'data-testid="run-health-check"' in client.get(f"/app/company/tenants/{acme.pk}").content
    client.post("/app/company/commands/new", {"tenant_id": acme.pk, "type": "HEALTH_CHECK"})
    assert b"Health check</a>" in client.get(f"/app/company/tenants/{acme.pk}").content


@pytest.mark.parametrize("path", ["/app/company/commands", "/app/company/events"])
def test_a_crafted_tenant_filter_is_a_form_error_not_a_500(client_for, public_tenant, path):
    page = client_for(public_tenant, "admin@alquimista.test").get(path, {"tenant": "²"})
    assert page.status_code == 400 and b"Tenant: choose a tenant from the list." in page.content


def test_crafted_numbers_in_the_command_and_batch_forms_are_form_errors(client_for, public_tenant, acme):
    client = client_for(public_tenant, "admin@alquimista.test")
    created = client.post("/app/company/commands/new", {"tenant_id": "²", "type": "HEALTH_CHECK"}, follow=True)
    assert created.status_code == 200 and b"Tenant: choose a tenant from the list." in created.content
    batch = client.post(
        "/app/company/commands/batches", {"tenant_ids": [str(acme.pk), "²"], "type": "HEALTH_CHECK"}, follow=True
    )
    assert batch.status_code == 200 and b"Tenants: choose tenants from the list." in batch.content
    concurrency = client.post(
        "/app/company/commands/batches",
        {"tenant_ids": [str(acme.pk)], "type": "HEALTH_CHECK", "concurrency": "²"},
        follow=True,
    )
    assert concurrency.status_code == 200 and b"Concurrency: a whole number." in concurrency.content
    assert not Command.objects.exists() and not CommandBatch.objects.exists()


def test_support_cannot_cancel_or_retry_a_reset_token_command_from_the_panel(client_for, public_tenant, acme):
    with tenant_context(acme):
        integration = Integration.objects.first()
    admin = User.objects.get(email="admin@alquimista.test")
    pending, _ = command_create(
        tenant=acme, command_type="RESET_TOKEN", parameters={"integration_id": integration.pk}, actor=admin
    )
    failed, _ = command_create(
        tenant=acme, command_type="RESET_TOKEN", parameters={"integration_id": integration.pk}, actor=admin
    )
    Command.objects.filter(pk=failed.pk).update(status="ERROR")
    client = client_for(public_tenant, "support@alquimista.test")

    page = client.get(f"/app/company/commands/{pending.pk}")
    assert page.status_code == 200 and b">Cancel</button>" not in page.content
    assert (
        b">Cancel</button>" in client_for(public_tenant, "admin@alquimista.test").get(page.request["PATH_INFO"]).content
    )
    assert b">Retry</button>" not in client.get(f"/app/company/commands/{failed.pk}").content

    cancel = client.post(f"/app/company/commands/{pending.pk}/cancel", follow=True)
    retry = client.post(f"/app/company/commands/{failed.pk}/retry", follow=True)

    assert b"may not run RESET_TOKEN" in cancel.content and b"may not run RESET_TOKEN" in retry.content
    assert Command.objects.get(pk=pending.pk).status == "PENDING" and Command.objects.count() == 2


def test_a_batch_selection_with_an_archived_tenant_names_it_in_the_panel(client_for, public_tenant, acme, globex):
    Tenant.objects.filter(pk=globex.pk).update(status="archived")
    response = client_for(public_tenant, "admin@alquimista.test").post(
        "/app/company/commands/batches",
        {"tenant_ids": [str(acme.pk), str(globex.pk)], "type": "HEALTH_CHECK", "concurrency": "2"},
        follow=True,
    )
    assert b"globex is archived; commands run on active or suspended tenants only." in response.content
    assert not CommandBatch.objects.exists() and not Command.objects.exists()


@pytest.mark.parametrize(
    "back, location",
    [
        ("https://evil.example/phish", "/app/company/commands"),
        ("//evil.example/phish", "/app/company/commands"),
        ("javascript:alert(1)", "/app/company/commands"),
        ("", "/app/company/commands"),
        ("/app/company/tenants/7", "/app/company/tenants/7"),
    ],
)
def test_back_after_a_bad_command_only_goes_to_this_site(client_for, public_tenant, acme, back, location):
    response = client_for(public_tenant, "admin@alquimista.test").post(
        "/app/company/commands/new", {"tenant_id": acme.pk, "type": "RESTART_AGENT", "agent_id": "0", "back": back}
    )
    assert response.status_code == 302 and response["Location"] == location


def test_batch_page_queries_do_not_grow_with_the_batch(client_for, public_tenant, acme, globex):
    admin = User.objects.get(email="admin@alquimista.test")
    client = client_for(public_tenant, "support@alquimista.test")
    small = batch_create(command_type="HEALTH_CHECK", tenants=[acme], parameters={}, concurrency=1, actor=admin)
    client.get(f"/app/company/commands/batches/{small.pk}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/app/company/commands/batches/{small.pk}")
    extra = [
        Tenant.objects.create(
            schema_name=f"batch_{n}", slug=f"batch-{n}", name=f"Batch {n}", plan=Plan.objects.first(), status="active"
        )
        for n in range(15)
    ]
    big = batch_create(
        command_type="HEALTH_CHECK", tenants=[acme, globex, *extra], parameters={}, concurrency=3, actor=admin
    )
    Command.objects.filter(batch=big, tenant__in=extra[:5]).update(status="SUCCESS")

    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/app/company/commands/batches/{big.pk}")

    assert page.status_code == 200 and page.content.count(b"Batch 1") == 6  # Batch 1, Batch 10…14
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_the_provisioning_form_takes_handover_contacts(client_for, public_tenant, django_capture_on_commit_callbacks):
    client = client_for(public_tenant, "admin@alquimista.test")
    form = {
        "name": "Pied Piper",
        "slug": "pied-piper",
        "plan": "starter",
        "owner_name": "Richard",
        "owner_email": "richard@pp.test",
        "sla": "standard",
    }
    bad = client.post("/app/company/provision", {**form, "slug": "www", "contacts": "Monica Hall\nJared, jared@pp"})
    assert bad.status_code == 400
    assert b"Contact 1: write it as name, e-mail[, role]." in bad.content
    assert b"Contact 2: enter a valid e-mail address." in bad.content and b"is reserved" in bad.content
    assert not ProvisioningRun.objects.exists()

    with django_capture_on_commit_callbacks():
        ok = client.post(
            "/app/company/provision",
            {**form, "contacts": "Monica Hall, Monica@PP.test, investor\r\n\r\nJared Dunn, jared@pp.test\r\n"},
        )
    assert ok.status_code == 302
    assert ProvisioningRun.objects.get(slug="pied-piper").contacts == [
        {"name": "Monica Hall", "email": "monica@pp.test", "role": "investor"},
        {"name": "Jared Dunn", "email": "jared@pp.test", "role": ""},
    ]


@pytest.mark.parametrize("page", ["operations", ""])
def test_a_tenant_still_provisioning_has_working_staff_pages(client_for, public_tenant, page):
    """Its schema may not exist yet: the pages show the tenant without reading inside it (Tenant.has_schema)."""
    plan = Plan.objects.first()
    tenant = Tenant.objects.create(
        schema_name="still_provisioning", slug="still-provisioning", name="Still Provisioning", plan=plan
    )
    assert tenant.status == Tenant.Status.PROVISIONING and not tenant.has_schema
    path = f"/app/company/tenants/{tenant.pk}" + (f"/{page}" if page else "")
    response = client_for(public_tenant, "admin@alquimista.test").get(path)
    assert response.status_code == 200
    assert "Still Provisioning" in response.content.decode()
