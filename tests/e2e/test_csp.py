"""No page breaks under the Content-Security-Policy: Chromium, enforcing the real header, reports no violation
and no script error on the main pages of every area, their htmx updates and their cross-host form posts."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

CLIENT_PAGES = [
    "/app/dashboard",
    "/app/dashboard/agents",
    "/app/dashboard/integrations",
    "/app/dashboard/usage",
    "/app/dashboard/incidents",
    "/app/dashboard/dispatch",
    "/profile",
    "/password/",
]
CLIENT_ADMIN_PAGES = ["/app/dashboard/users", "/app/dashboard/api-keys", "/app/dashboard/webhooks"]
COMPANY_PAGES = [
    "/app/company",
    "/app/company/tenants",
    "/app/company/usage",
    "/app/company/incidents",
    "/app/company/commands",
    "/app/company/events",
    "/profile",
    "/profile/tokens",
]
ADMIN_PAGES = ["/admin/", "/admin/tenants/tenant/", "/admin/tenants/plan/", "/admin/accounts/user/"]
# Chromium logs each refusal to the console; the DOM event is reported too, in case a message is worded otherwise.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} refused ${event.blockedURI}`);
});
"""


@pytest.fixture
def violations(page):
    """What the browser refused or failed on, as readable lines; a test ends asserting it is empty."""

    found = []

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: uncaught {error}"))
    return found


def open_all(page, stack, paths, tenant=None) -> None:
    for path in paths:
        response = page.goto(stack.url(path, tenant))
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path


def tenant_pk(stack, slug: str) -> int:
    out = stack.manage("shell", "-c", f"from tenants.models import Tenant; print(Tenant.objects.get(slug='{slug}').pk)")
    return int(out.strip().splitlines()[-1])


def test_client_pages_as_a_tenant_admin_logging_in_on_the_public_host(page, live_stack, violations):
    # The login form posts on the public host and lands on the tenant's: form-action must allow the hand-off.
    log_in(page, live_stack, "admin@acme.test")
    assert page.url == live_stack.url("/app/dashboard", "acme")

    open_all(page, live_stack, CLIENT_PAGES + CLIENT_ADMIN_PAGES, "acme")
    page.goto(live_stack.url("/app/dashboard", "acme"))
    bars = page.locator(".progress > span[data-progress]")
    assert bars.count() > 0
    for index in range(bars.count()):
        bar = bars.nth(index)
        percent = min(100.0, max(0.0, float(bar.get_attribute("data-progress"))))
        assert bar.evaluate("element => element.style.width") == f"{percent:g}%"

    assert violations == [], "\n".join(violations)


def test_client_pages_as_a_tenant_user_with_an_htmx_update(page, live_stack, violations):
    log_in(page, live_stack, "user@acme.test", tenant="acme")

    open_all(page, live_stack, CLIENT_PAGES, "acme")
    page.goto(live_stack.url("/app/dashboard/usage", "acme"))
    with page.expect_response(lambda response: "/app/dashboard/usage?" in response.url):
        page.locator("#usage-agent").select_option(index=1)
    page.wait_for_load_state("networkidle")
    assert "agent=" in page.url
    # No <style> injected by htmx: every style sheet is a file of this origin.
    assert page.evaluate("[...document.styleSheets].filter(sheet => !sheet.href).length") == 0

    assert violations == [], "\n".join(violations)


def test_company_pages_and_the_admin_as_internal_admin(page, live_stack, violations):
    log_in(page, live_stack, "admin@alquimista.test")
    acme = tenant_pk(live_stack, "acme")

    open_all(page, live_stack, [*COMPANY_PAGES, "/app/company/billing", "/app/company/provision", *ADMIN_PAGES])
    open_all(page, live_stack, [f"/app/company/tenants/{acme}", f"/admin/tenants/tenant/{acme}/change/"])
    open_all(page, live_stack, [f"/app/company/tenants/{acme}/operations"])
    # The archive form asks first (static/js/app.js, no inline handler). Whatever the answer, the request
    # is stopped here: the stack's demo tenants are shared by every browser test.
    page.route("**/archive", lambda route: route.abort())
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Archive…").click()
    assert messages == ["Archive Acme Corporation? A final backup is taken, then its schema is dropped."]
    assert page.url == live_stack.url(f"/app/company/tenants/{acme}/operations")

    assert violations == [], "\n".join(violations)


def test_company_pages_as_support_with_view_as_and_logout(page, live_stack, violations):
    log_in(page, live_stack, "support@alquimista.test")
    open_all(page, live_stack, COMPANY_PAGES)

    # View-as posts on the public host and lands on the tenant's; ending it posts there and comes back.
    page.goto(live_stack.url("/app/company/tenants"))
    page.locator("tbody tr", has_text="Globex").get_by_role("button", name="View as tenant").click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_stack.url("/app/dashboard", "globex")
    page.get_by_test_id("view-as-banner").get_by_role("button", name="End").click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(live_stack.url("/app/company"))

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_stack.url("/login/")

    assert violations == [], "\n".join(violations)


def test_anonymous_pages(page, live_stack, violations):
    for tenant in (None, "acme"):
        open_all(page, live_stack, ["/login/", "/password-reset/"], tenant)
    open_all(page, live_stack, ["/admin/login/"])
    assert page.goto(live_stack.url("/", "nobody")).status == 404
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "512px"  # static/css/error.css applied

    assert violations == [], "\n".join(violations)


def test_api_docs_are_self_hosted_and_render_under_the_policy(page, live_stack, violations):
    open_all(page, live_stack, ["/api/docs"])
    page.wait_for_selector("redoc h1", timeout=20_000)  # Redoc read the schema and drew the title
    assert "Alquimista Ops API" in page.inner_text("redoc h1")

    # Redoc's footer shows its maker's logo from the maker's CDN: the policy blocks it, as it must.
    unexpected = [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v]
    assert unexpected == [], "\n".join(unexpected)
