"""Staff run a health check on a tenant and watch it finish, live, with its checks listed."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_support_runs_a_health_check_and_sees_it_succeed(page, live_stack):
    log_in(page, live_stack, "support@alquimista.test")
    page.goto(live_stack.url("/app/company/commands"))
    page.get_by_label("Tenant").first.select_option(label="Acme Corporation")
    page.get_by_label("Command").first.select_option("HEALTH_CHECK")
    page.get_by_role("button", name="Run", exact=True).click()

    status = page.get_by_test_id("command-status")
    status.filter(has_text="SUCCESS").wait_for(timeout=60_000)
    checks = page.get_by_test_id("checks").locator("tbody tr td:first-child").all_inner_texts()
    assert checks[:4] == ["schema", "migrations", "database", "redis"]
    assert any(name.startswith("integration:") for name in checks)


def test_support_is_not_offered_reset_token(page, live_stack):
    log_in(page, live_stack, "support@alquimista.test")
    page.goto(live_stack.url("/app/company/commands"))
    options = page.get_by_label("Command").first.locator("option").all_inner_texts()
    assert "Reset integration token" not in options and "Health check" in options
