import pytest

from operations.commands_models import Command
from tenants.models import ProvisioningRun

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
