"""Single sign-on in the browser against a real OIDC provider process."""

import pytest

pytestmark = pytest.mark.e2e


def sso_login(page, stack, account_id: str, tenant: str | None = None) -> None:
    page.goto(stack.url("/login/", tenant))
    page.get_by_test_id("sso").click()
    page.locator('input[name="login"]').fill(account_id)
    page.locator('input[name="password"]').fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_load_state("networkidle")


def user_exists(stack, email: str) -> bool:
    out = stack.manage(
        "shell", "-c", f"from accounts.models import User; print(User.objects.filter(email='{email}').exists())"
    )
    return out.strip().endswith("True")


def test_staff_from_the_provider_land_on_the_company_panel(page, live_stack):
    live_stack.oidc.set_account(
        "grace",
        {"email": "grace@alquimista.test", "email_verified": True, "name": "Grace", "groups": ["INTERNAL_SUPPORT"]},
    )

    sso_login(page, live_stack, "grace")

    assert page.url == live_stack.url("/app/company")
    assert page.get_by_test_id("area").inner_text() == "Company panel"


def test_tenant_user_from_a_tenant_host_lands_on_that_tenant(page, live_stack):
    live_stack.oidc.set_account(
        "hugo",
        {
            "email": "hugo@globex.test",
            "email_verified": True,
            "name": "Hugo",
            "cognito:groups": ["TENANT_USER"],
            "groups": ["TENANT_USER"],
            "custom:tenant_id": "globex",
        },
    )

    sso_login(page, live_stack, "hugo", tenant="globex")

    assert page.url == live_stack.url("/app/dashboard", "globex")
    assert "Globex" in page.get_by_test_id("area").inner_text()


def test_cognito_user_with_groups_only_in_the_id_token_lands_on_its_tenant(page, live_stack):
    live_stack.oidc.set_account(
        "cleo",
        {
            "email": "cleo@acme.test",
            "email_verified": "true",  # Cognito sends it as a string
            "name": "Cleo",
            "cognito:groups": ["TENANT_ADMIN"],
            "custom:tenant_id": "acme",
            "_id_token_only": ["cognito:groups"],  # as Cognito's userInfo, which leaves them out
        },
    )

    sso_login(page, live_stack, "cleo", tenant="acme")

    assert page.url == live_stack.url("/app/dashboard", "acme")
    assert "Acme" in page.get_by_test_id("area").inner_text()


def test_unknown_group_is_refused_with_a_clear_page_and_no_user(page, live_stack):
    live_stack.oidc.set_account(
        "ivan", {"email": "ivan@acme.test", "email_verified": True, "groups": ["SOMETHING_ELSE"]}
    )

    sso_login(page, live_stack, "ivan")

    assert "/login/" in page.url
    assert "has no role on this platform" in page.get_by_role("alert").inner_text()
    assert not user_exists(live_stack, "ivan@acme.test")


def test_group_removed_at_the_provider_removes_the_role_at_next_login(browser, live_stack):
    claims = {"email": "judy@alquimista.test", "email_verified": True, "name": "Judy", "groups": ["INTERNAL_ADMIN"]}
    live_stack.oidc.set_account("judy", claims)
    first = browser.new_context().new_page()
    sso_login(first, live_stack, "judy")
    assert first.url == live_stack.url("/app/company")

    live_stack.oidc.set_account("judy", {**claims, "groups": []})
    second = browser.new_context().new_page()
    sso_login(second, live_stack, "judy")

    assert "/login/" in second.url and "sso_error" in second.url
    # The first browser's session is still open, but the role behind it is gone.
    first.goto(live_stack.url("/app/company"))
    assert "/login/" in first.url
