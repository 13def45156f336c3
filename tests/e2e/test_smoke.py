"""A newcomer's first look: the public host and a tenant host, each showing its own area."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_tenant_host_shows_the_client_dashboard_of_that_tenant(page, live_stack):
    log_in(page, live_stack, "admin@acme.test", tenant="acme")

    assert page.url == live_stack.url("/app/dashboard", "acme")
    assert page.get_by_test_id("area").inner_text() == "Client dashboard · Acme Corporation"
    assert page.get_by_test_id("plan-name").inner_text() == "Growth"
    assert "Globex" not in page.content()


def test_public_host_shows_the_company_panel_to_staff(page, live_stack):
    log_in(page, live_stack, "support@alquimista.test")

    assert page.url == live_stack.url("/app/company")
    assert page.get_by_test_id("area").inner_text() == "Company panel"
    # Other browser tests may have provisioned tenants in this stack: count what the database holds.
    expected = live_stack.manage(
        "shell", "-c", "from tenants.models import Tenant; print(Tenant.objects.customers().count())"
    )
    total = int(expected.strip().splitlines()[-1])
    assert page.get_by_test_id("tenant-count").inner_text() == str(total)
    page.get_by_role("link", name="Tenants", exact=True).click()
    rows = page.locator("tbody tr")
    names = [rows.nth(i).locator("td").first.inner_text().split()[0] for i in range(rows.count())]
    assert rows.count() == total
    assert [name for name in names if name in ("Acme", "Globex", "Initech")] == ["Acme", "Globex", "Initech"]


def test_tenant_user_logging_in_on_the_public_host_lands_on_their_tenant(page, live_stack):
    log_in(page, live_stack, "user@globex.test")

    assert page.url == live_stack.url("/app/dashboard", "globex")
    assert "Globex" in page.get_by_test_id("area").inner_text()


def test_unknown_host_is_a_plain_not_found(page, live_stack):
    response = page.goto(live_stack.url("/", "nobody"))
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"


def test_dashboard_works_on_a_phone(phone_page, live_stack):
    log_in(phone_page, live_stack, "user@acme.test", tenant="acme")

    assert phone_page.get_by_test_id("plan-name").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
