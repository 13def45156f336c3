"""The Django admin asks the policy: staff read, only INTERNAL_ADMIN writes, tenants stay out."""

import pytest
from django.contrib.admin.utils import flatten_fieldsets

from agents.models import AgentType
from audit.models import OperationalEvent
from tenants.models import Domain, Plan
from usage.models import UsageDaily
from vault import get_secret_store
from vault.models import SecretVersion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("email", ["admin@alquimista.test", "support@alquimista.test"])
def test_staff_open_the_admin(client_for, public_tenant, email):
    client = client_for(public_tenant, email)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tenants/tenant/").status_code == 200


@pytest.mark.parametrize("email", ["admin@acme.test", "user@acme.test"])
def test_tenant_users_are_kept_out_of_the_admin(client_for, public_tenant, email):
    response = client_for(public_tenant, email).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_is_not_routed_on_tenant_hosts(client_for, acme):
    assert client_for(acme, "admin@alquimista.test").get("/admin/").status_code == 404


def test_support_cannot_change_a_plan_and_admin_can(client_for, public_tenant):
    plan = Plan.objects.get(code="starter")
    url = f"/admin/tenants/plan/{plan.pk}/change/"
    data = {
        "code": "starter",
        "name": "Starter Plus",
        "monthly_price": "500.00",
        "requests_per_month": 1,
        "tokens_per_month": 1,
        "max_agents": 1,
        "max_integrations": 1,
        "overage_price_per_1k_tokens": "0.01",
        "raw_retention_days": 35,
        "api_requests_per_minute": 600,
        "ingest_rows_per_minute": 60000,
    }

    support = client_for(public_tenant, "support@alquimista.test").post(url, data)
    plan.refresh_from_db()
    assert support.status_code == 403 and plan.name == "Starter"

    admin = client_for(public_tenant, "admin@alquimista.test").post(url, data)
    plan.refresh_from_db()
    assert admin.status_code == 302 and plan.name == "Starter Plus"
    event = OperationalEvent.objects.get(action="admin.plan.changed", target_id=str(plan.pk))
    assert event.actor_email == "admin@alquimista.test"
    assert list(event.after) == ["fields"]  # field names only, never values
    assert "name" in event.after["fields"] and "code" not in event.after["fields"]


def test_domains_are_read_only_in_the_admin(client_for, public_tenant, acme):
    domain = Domain.objects.get(tenant=acme, is_primary=True)
    client = client_for(public_tenant, "admin@alquimista.test")
    response = client.post(
        f"/admin/tenants/domain/{domain.pk}/change/", {"domain": "evil.localhost", "tenant": acme.pk}
    )
    domain.refresh_from_db()
    assert response.status_code == 403 and domain.domain == "acme.localhost"
    assert client.get("/admin/tenants/domain/add/").status_code == 403


def test_secret_versions_show_no_ciphertext(client_for, public_tenant):
    get_secret_store().put("admin-visible", "the-hidden-value-123")
    row = SecretVersion.objects.get(name="admin-visible")

    page = client_for(public_tenant, "admin@alquimista.test").get(f"/admin/vault/secretversion/{row.pk}/change/")
    assert page.status_code == 200
    assert b"admin-visible" in page.content
    assert b"the-hidden-value-123" not in page.content and b"ciphertext" not in page.content.lower()


def test_the_tenant_change_form_cannot_change_slug_status_or_settings(client_for, public_tenant, acme):
    url = f"/admin/tenants/tenant/{acme.pk}/change/"
    admin = client_for(public_tenant, "admin@alquimista.test")
    page = admin.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"slug", "status", "settings"} & set(form.fields)
    data = {name: form.initial.get(name) or "" for name in form.fields}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({f"{management.prefix}-{key}": value for key, value in management.initial.items()})
        for inline in formset.formset.forms:
            data.update({f"{inline.prefix}-{key}": value for key, value in inline.initial.items() if value is not None})
    settings_before = dict(acme.settings)
    data.update(name="Acme Renamed", slug="hijacked", status="archived", settings='{"dispatch_enabled": true}')

    response = admin.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    acme.refresh_from_db()
    assert acme.name == "Acme Renamed"
    assert (acme.slug, acme.status, acme.settings) == ("acme", "active", settings_before)
    assert not OperationalEvent.objects.filter(tenant=acme, action__startswith="tenant.").exists()


def test_an_agent_type_is_not_deletable_in_the_admin_a_clean_403(client_for, public_tenant):
    """Contracted agents in tenant schemas refer to the catalogue: the delete page used to look for them in
    public (a 500), and deleting would have gone past their PROTECT."""
    agent_type = AgentType.objects.order_by("pk").first()
    admin = client_for(public_tenant, "admin@alquimista.test")
    url = f"/admin/agents/agenttype/{agent_type.pk}/delete/"

    assert admin.get(url).status_code == 403
    assert admin.post(url, {"post": "yes"}).status_code == 403
    assert AgentType.objects.filter(pk=agent_type.pk).exists()
    changelist = admin.get("/admin/agents/agenttype/")
    assert changelist.status_code == 200 and changelist.context["action_form"] is None  # no "delete selected"
    assert admin.get(f"/admin/agents/agenttype/{agent_type.pk}/change/").context["has_delete_permission"] is False


def _a_usage_row():
    return UsageDaily.objects.order_by("pk").first()


BILLING_IN_THE_ADMIN = [  # (admin path, a row, its billing fields, those of them in the list)
    ("tenants/plan", lambda: Plan.objects.get(code="starter"), {"monthly_price", "overage_price_per_1k_tokens"}),
    ("agents/agenttype", lambda: AgentType.objects.order_by("pk").first(), {"price_per_1k_tokens"}),
    ("usage/usagedaily", _a_usage_row, {"cost"}),
]
LISTED = {"monthly_price", "price_per_1k_tokens", "cost"}


@pytest.mark.parametrize(("path", "row", "fields"), BILLING_IN_THE_ADMIN, ids=[p for p, _, _ in BILLING_IN_THE_ADMIN])
@pytest.mark.parametrize(("email", "shown"), [("admin@alquimista.test", True), ("support@alquimista.test", False)])
def test_prices_and_costs_in_the_admin_are_for_admins_only(client_for, public_tenant, path, row, fields, email, shown):
    obj = row()
    client = client_for(public_tenant, email)

    changelist = client.get(f"/admin/{path}/")
    change = client.get(f"/admin/{path}/{obj.pk}/change/")
    by_price = client.get(f"/admin/{path}/", {f"{sorted(fields)[0]}__gte": "0"})

    assert changelist.status_code == change.status_code == 200
    assert fields & set(changelist.context["cl"].list_display) == (fields & LISTED if shown else set())
    assert fields & set(flatten_fieldsets(change.context["adminform"].fieldsets)) == (fields if shown else set())
    assert by_price.status_code == (200 if shown else 400)  # no bisecting a hidden price with a filter
    if not shown:
        html = changelist.content.decode() + change.content.decode()
        assert [field for field in fields if str(getattr(obj, field)) in html] == []


def test_support_lists_plans_by_code_not_by_price(client_for, public_tenant):
    support = client_for(public_tenant, "support@alquimista.test").get("/admin/tenants/plan/")
    admin = client_for(public_tenant, "admin@alquimista.test").get("/admin/tenants/plan/")

    assert [plan.code for plan in support.context["cl"].result_list] == ["enterprise", "growth", "starter"]
    assert [plan.code for plan in admin.context["cl"].result_list] == ["starter", "growth", "enterprise"]
