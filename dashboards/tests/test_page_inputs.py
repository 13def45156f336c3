"""Page forms and filters are declared: crafted values are a form error (400 or a message), never a 500."""

import pytest
from django_tenants.utils import tenant_context

from dispatch.models import DispatchRun
from operations.commands_models import Command
from operations.services import incident_open
from tenants.models import ProvisioningRun, Tenant

pytestmark = pytest.mark.django_db

ADMIN = "admin@alquimista.test"
TOO_BIG = str(2**63)  # one past the largest bigint


@pytest.mark.parametrize(
    "path, params, problem",
    [
        ("/app/company/tenants", {"search": "x" * 201}, "Search: Ensure this value has at most 200 characters"),
        ("/app/company/tenants", {"ordering": "password"}, "Sort: Select a valid choice."),
        ("/app/company/incidents", {"tenant": "١"}, "Tenant: choose a tenant from the list."),
        ("/app/company/incidents", {"tenant": TOO_BIG}, "Tenant: choose a tenant from the list."),
        ("/app/company/incidents", {"tenant": "999999"}, "Tenant: choose a tenant from the list."),
        ("/app/company/incidents", {"severity": "bad"}, "Severity: Select a valid choice."),
        ("/app/company/commands", {"tenant": "9" * 5000}, "Tenant: choose a tenant from the list."),
        ("/app/company/commands", {"type": "health_check"}, "Type: Select a valid choice."),
        ("/app/company/events", {"actor": "x" * 255}, "Actor: Ensure this value has at most 254 characters"),
        ("/app/company/events", {"from": "2026-13-01"}, "From: use YYYY-MM-DD."),
        ("/app/company/events", {"action": "x" * 81}, "Action: Ensure this value has at most 80 characters"),
        ("/app/company/usage", {"period": ""}, "Period: choose 7, 30 or 90 days."),
    ],
)
def test_crafted_company_filters_are_400_naming_the_field(client_for, public_tenant, path, params, problem):
    response = client_for(public_tenant, ADMIN).get(path, params)
    assert response.status_code == 400
    assert problem in response.content.decode()


@pytest.mark.parametrize(
    "path, params, problem",
    [
        ("/app/dashboard/usage", {"agent": "x" * 1000}, "Agent: there is no such agent."),
        ("/app/dashboard/incidents", {"status": "OPEN"}, "Status: choose open, acknowledged or resolved."),
        ("/app/dashboard/incidents", {"page": "9" * 5000}, "There is no such page."),
        ("/app/dashboard/incidents", {"page": "١"}, "There is no such page."),
    ],
)
def test_crafted_client_filters_are_400_naming_the_field(client_for, acme, path, params, problem):
    response = client_for(acme, "user@acme.test").get(path, params)
    assert response.status_code == 400
    assert problem in response.content.decode()


def test_valid_filters_keep_to_the_pager_links(client_for, public_tenant, acme, globex):
    html = client_for(public_tenant, ADMIN).get("/app/company/tenants", {"status": "active"}).content.decode()
    assert 'href="?status=active&amp;ordering=-name"' in html  # sorting keeps the filter, and "name" is the default


@pytest.mark.parametrize(
    "form, message",
    [
        ({"tenant_id": TOO_BIG, "type": "HEALTH_CHECK"}, "Tenant: choose a tenant from the list."),
        ({"tenant_id": "١", "type": "HEALTH_CHECK"}, "Tenant: choose a tenant from the list."),
        ({"type": "HEALTH_CHECK"}, "Tenant: choose a tenant from the list."),
        ({"tenant_id": "{acme}", "type": "RESTART_AGENT", "agent_id": "1", "reason": "x" * 301}, "Reason: Ensure"),
        ({"tenant_id": "{acme}", "type": "H" * 21}, "Command: Ensure this value has at most 20 characters"),
    ],
)
def test_crafted_command_forms_are_messages_and_create_nothing(client_for, public_tenant, acme, form, message):
    form = {key: value.replace("{acme}", str(acme.pk)) for key, value in form.items()}
    response = client_for(public_tenant, ADMIN).post("/app/company/commands/new", form, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Command.objects.exists()


def test_crafted_provisioning_form_is_400_on_its_fields(client_for, public_tenant):
    response = client_for(public_tenant, ADMIN).post(
        "/app/company/provision",
        {"name": "x" * 201, "slug": "ok-slug", "plan": "starter", "owner_name": "O" * 201, "owner_email": "o@o.test"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 201)." in html
    assert html.count("Ensure this value has at most 200 characters (it has 201).") == 2
    assert not ProvisioningRun.objects.exists()


def test_crafted_lifecycle_secret_and_dispatch_forms_change_nothing(client_for, public_tenant, acme):
    client = client_for(public_tenant, ADMIN)
    suspend = client.post(f"/app/company/tenants/{acme.pk}/suspend", {"reason": "x" * 301}, follow=True)
    rotate = client.post(f"/app/company/tenants/{acme.pk}/secrets/rotate", {"name": "s" * 201}, follow=True)
    toggle = client.post(f"/app/company/tenants/{acme.pk}/dispatch", {"enabled": "yes"}, follow=True)

    assert (
        suspend.status_code == 200
        and "Reason: Ensure this value has at most 300 characters" in suspend.content.decode()
    )
    assert (
        rotate.status_code == 200 and "Secret: Ensure this value has at most 200 characters" in rotate.content.decode()
    )
    assert toggle.status_code == 200 and "Dispatch: Select a valid choice." in toggle.content.decode()
    acme.refresh_from_db()
    assert acme.status == Tenant.Status.ACTIVE and "dispatch_enabled" not in acme.settings


def test_crafted_dispatch_run_is_a_message_and_starts_nothing(client_for, acme):
    client = client_for(acme, "admin@acme.test")
    response = client.post("/app/dashboard/dispatch/run", {"batch_size": "١"}, follow=True)
    missing_file = client.post("/app/dashboard/dispatch/import", {}, follow=True)

    assert "Leads in this run: a whole number." in response.content.decode()
    assert "File: choose a CSV file." in missing_file.content.decode()
    with tenant_context(acme):
        assert not DispatchRun.objects.exists()


def test_a_crafted_back_path_after_an_incident_action_is_dropped(client_for, public_tenant, acme):
    incident, _ = incident_open(tenant=acme, dedupe_key="back", title="Back", severity="info", source="test")
    response = client_for(public_tenant, ADMIN).post(
        f"/app/company/incidents/{incident.pk}/acknowledge", {"back": "/app/company/" + "x" * 3000}
    )
    incident.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/app/company/incidents"
    assert incident.status == "acknowledged"


@pytest.mark.parametrize(
    "path, params",
    [
        ("/app/company/tenants", {"search": "a\x00b"}),
        ("/app/company/events", {"actor": "\x00"}),
        ("/app/company/usage", {"period": "\x00"}),
    ],
)
def test_nul_characters_are_a_400(client_for, public_tenant, path, params):
    assert client_for(public_tenant, ADMIN).get(path, params).status_code == 400
