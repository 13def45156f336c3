"""Usage in the browser: a tenant switches periods; staff search and filter tenants."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_tenant_admin_switches_7d_to_90d_and_chart_and_totals_change(page, live_stack):
    log_in(page, live_stack, "admin@acme.test", tenant="acme")
    page.goto(live_stack.url("/app/dashboard/usage?period=7d", "acme"))
    seven = int(page.get_by_test_id("total-requests").inner_text().replace(",", "").split()[0])
    points_7 = page.evaluate("document.querySelector('[data-testid=requests-chart]')._chart.data.labels.length")

    page.locator('[data-period="90d"]').first.click()
    # A function, not an expression string: the page's CSP forbids eval, which a string predicate needs.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=requests-chart]')._chart?.data.labels.length === 90"
    )
    ninety = int(page.get_by_test_id("total-requests").inner_text().replace(",", "").split()[0])

    assert points_7 == 7
    assert ninety > seven > 0


def test_staff_search_and_filter_tenants(page, live_stack):
    log_in(page, live_stack, "support@alquimista.test")
    page.goto(live_stack.url("/app/company/tenants"))

    page.get_by_label("Search").fill("glob")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("networkidle")
    assert [row.locator("td").first.inner_text().split()[0] for row in page.locator("tbody tr").all()] == ["Globex"]

    page.goto(live_stack.url("/app/company/tenants"))
    page.get_by_label("Plan").select_option("starter")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("networkidle")
    assert [row.locator("td").first.inner_text().split()[0] for row in page.locator("tbody tr").all()] == ["Initech"]
