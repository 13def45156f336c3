"""OIDC against a real provider process: claims → roles, bearer tokens on the API."""

import importlib
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import clear_url_caches

import alquimista.urls_public
from accounts.models import Membership, User
from accounts.oidc import access_from_claims

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def provider(oidc_provider_factory, tmp_path_factory):
    return oidc_provider_factory(
        ["http://localhost/oidc/callback/"],
        tmp_path_factory.mktemp("oidc"),
        post_logout_redirect_uris=["http://localhost:8000/login/"],
    )


def reload_public_urls() -> None:
    """The public URLconf routes /oidc/ only when OIDC_ENABLED; it was imported with the setting as it was."""

    importlib.reload(alquimista.urls_public)
    clear_url_caches()


@pytest.fixture
def oidc_on(provider, settings):
    enabled = settings.OIDC_ENABLED
    for name, value in provider.settings_overrides().items():
        setattr(settings, name, value)
    settings.OIDC_ENABLED = True
    # As settings.py does when OIDC_RP_CLIENT_ID is set.
    backends = list(settings.AUTHENTICATION_BACKENDS)
    settings.AUTHENTICATION_BACKENDS = [backends[0], "accounts.oidc.OidcRoleBackend", *backends[1:]]
    reload_public_urls()
    yield provider
    settings.OIDC_ENABLED = enabled
    reload_public_urls()


def claims(email, groups, tenant=None, claim="groups"):
    data = {"email": email, "email_verified": True, "name": email.split("@")[0].title(), claim: groups}
    if tenant:
        data["custom:tenant_id"] = tenant
    return data


def bearer(tenant_slug: str | None, token: str) -> Client:
    host = f"{tenant_slug}.localhost" if tenant_slug else "localhost"
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_bearer_token_of_a_tenant_user_reads_its_tenant_only(oidc_on):
    oidc_on.set_account("dora", claims("dora@acme.test", ["TENANT_USER"], tenant="acme"))
    token = oidc_on.mint_access_token("dora")

    mine = bearer("acme", token).get("/api/tenant/me")
    other = bearer("globex", token).get("/api/tenant/me")

    assert mine.status_code == 200 and mine.json()["slug"] == "acme"
    assert other.status_code == 404
    user = User.objects.get(email="dora@acme.test")
    assert list(Membership.objects.filter(user=user).values_list("tenant__slug", "role")) == [("acme", "TENANT_USER")]


def test_forged_and_expired_tokens_get_401_json(oidc_on):
    oidc_on.set_account("ed", claims("ed@acme.test", ["TENANT_USER"], tenant="acme"))
    # Expiry is counted in whole seconds at the provider: 2 s leaves at least 1 s to use it.
    short = oidc_on.mint_access_token("ed", ttl=2)
    assert bearer("acme", short).get("/api/tenant/me").status_code == 200
    time.sleep(3)

    for token in (short, "forged-token-value"):
        response = bearer("acme", token).get("/api/tenant/me")
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401


def test_claims_without_a_known_role_are_refused_and_leave_no_user(oidc_on):
    oidc_on.set_account("mallory", claims("mallory@acme.test", ["EVERYONE"], tenant="acme"))
    response = bearer("acme", oidc_on.mint_access_token("mallory")).get("/api/tenant/me")
    assert response.status_code == 401
    assert not User.objects.filter(email="mallory@acme.test").exists()


def test_a_group_removed_at_the_provider_removes_the_role_at_next_use(oidc_on):
    oidc_on.set_account("fay", claims("fay@alquimista.test", ["INTERNAL_SUPPORT", "TENANT_ADMIN"], tenant="globex"))
    token = oidc_on.mint_access_token("fay")
    assert bearer("globex", token).get("/api/tenant/api-keys").status_code == 200
    user = User.objects.get(email="fay@alquimista.test")
    assert user.internal_role == "INTERNAL_SUPPORT"

    oidc_on.set_account("fay", claims("fay@alquimista.test", ["TENANT_USER"], tenant="globex"))

    assert bearer("globex", token).get("/api/tenant/api-keys").status_code == 403
    user.refresh_from_db()
    assert user.internal_role is None and not user.is_staff
    assert Membership.objects.get(user=user).role == "TENANT_USER"


@pytest.mark.parametrize(
    "groups_claim, groups, mapping, expected",
    [
        ("groups", ["INTERNAL_ADMIN"], "", "INTERNAL_ADMIN"),
        ("cognito:groups", ["INTERNAL_SUPPORT"], "", "INTERNAL_SUPPORT"),
        ("groups", ["ops-admins"], "ops-admins=INTERNAL_ADMIN", "INTERNAL_ADMIN"),
        ("groups", ["INTERNAL_SUPPORT", "INTERNAL_ADMIN"], "", "INTERNAL_ADMIN"),
        ("groups", ["ops-admins"], "", None),
        ("groups", "INTERNAL_SUPPORT", "", "INTERNAL_SUPPORT"),
    ],
)
def test_group_claims_map_to_internal_roles(settings, groups_claim, groups, mapping, expected):
    settings.OIDC_GROUP_ROLE_MAP = mapping
    assert access_from_claims({groups_claim: groups}).internal == expected


def test_tenant_roles_need_a_known_tenant_claim(settings, acme):
    assert access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": "acme"}).tenant == acme
    assert access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": str(acme.pk)}).tenant == acme
    assert not access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": "nope"}).any
    assert not access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": "public"}).any
    for odd in ("²", "٣", "9" * 30, "-1", " "):  # isdigit() accepted "²" and int() then raised
        assert not access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": odd}).any
    assert access_from_claims({"groups": ["TENANT_ADMIN"], "custom:tenant_id": acme.pk}).tenant == acme
    settings.OIDC_TENANT_CLAIM = "org"
    assert access_from_claims({"groups": ["TENANT_USER"], "org": "acme"}).tenant_role == "TENANT_USER"


def test_removing_the_last_group_revokes_roles_even_though_the_login_is_refused(oidc_on):
    oidc_on.set_account("gil", claims("gil@alquimista.test", ["INTERNAL_ADMIN"]))
    token = oidc_on.mint_access_token("gil")
    assert bearer(None, token).get("/api/internal/tenants/1/api-keys").status_code in (200, 404)

    oidc_on.set_account("gil", claims("gil@alquimista.test", []))

    assert bearer(None, token).get("/api/internal/tenants/1/api-keys").status_code == 401
    user = User.objects.get(email="gil@alquimista.test")
    assert user.internal_role is None and not user.is_staff


def browserless_sso_login(provider, account_id: str, browser=None) -> tuple[Client, object]:
    """The authorization-code flow with the real provider, the browser's part done by requests."""
    client = Client(HTTP_HOST="localhost")
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    callback = urlsplit(provider.sign_in(start["Location"], account_id, session=browser))
    return client, client.get(f"{callback.path}?{callback.query}")


def test_cognito_groups_only_in_the_id_token_map_the_role(oidc_on):
    oidc_on.set_account(
        "cora",
        {
            **claims("cora@alquimista.test", ["INTERNAL_SUPPORT"], claim="cognito:groups"),
            "_id_token_only": ["cognito:groups"],
        },
    )
    assert "cognito:groups" not in oidc_on.userinfo(oidc_on.mint_access_token("cora")).json()

    client, response = browserless_sso_login(oidc_on, "cora")

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="cora@alquimista.test")
    assert user.internal_role == "INTERNAL_SUPPORT" and user.is_staff
    assert client.get("/app/company").status_code == 200


@pytest.mark.parametrize("verified", [False, "false"])
def test_an_unverified_email_is_refused_with_a_clear_page_and_no_user(oidc_on, verified):
    oidc_on.set_account("una", {**claims("una@alquimista.test", ["INTERNAL_ADMIN"]), "email_verified": verified})

    client, response = browserless_sso_login(oidc_on, "una")

    assert response.status_code == 302 and response["Location"] == "/login/?sso_error=email_unverified"
    page = client.get(response["Location"]).content.decode()
    assert "your e-mail address is not verified at the identity provider" in page
    assert not User.objects.filter(email="una@alquimista.test").exists()
    assert client.get("/app/company").status_code == 302


def test_an_unverified_email_changes_nothing_on_an_existing_user(oidc_on):
    oidc_on.set_account("sup", {**claims("support@alquimista.test", []), "email_verified": False})

    _, response = browserless_sso_login(oidc_on, "sup")

    assert response["Location"] == "/login/?sso_error=email_unverified"
    assert User.objects.get(email="support@alquimista.test").internal_role == "INTERNAL_SUPPORT"


def test_logout_of_an_sso_login_ends_the_provider_session(oidc_on, settings):
    settings.OIDC_OP_LOGOUT_ENDPOINT = oidc_on.discovery["end_session_endpoint"]
    oidc_on.set_account("lou", claims("lou@alquimista.test", ["INTERNAL_SUPPORT"]))
    browser = requests.Session()  # keeps the provider's session cookie, as a browser would
    client, _ = browserless_sso_login(oidc_on, "lou", browser=browser)
    id_token = client.session["oidc_id_token"]

    response = client.post("/logout/")

    location = urlsplit(response["Location"])
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == settings.OIDC_OP_LOGOUT_ENDPOINT
    assert parse_qs(location.query) == {
        "client_id": [oidc_on.client_id],
        "post_logout_redirect_uri": ["http://localhost:8000/login/"],
        "id_token_hint": [id_token],
    }
    assert "_auth_user_id" not in client.session
    # At the provider: its (auto-submitted) confirmation, then back to our login page.
    confirm = browser.get(response["Location"], timeout=5)
    action = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)"', confirm.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    back = browser.post(action, data={**fields, "logout": "yes"}, allow_redirects=False, timeout=5)
    assert back.headers["Location"] == "http://localhost:8000/login/"
    # The provider session is gone: a new sign-in asks for the login again.
    again = browser.get(Client(HTTP_HOST="localhost").get("/oidc/authenticate/")["Location"], timeout=5)
    assert "/interaction/" in again.url and 'name="login"' in again.text


def test_logout_of_a_password_login_stays_local(client_for, acme, settings, oidc_on):
    settings.OIDC_OP_LOGOUT_ENDPOINT = oidc_on.discovery["end_session_endpoint"]
    response = client_for(acme, "admin@acme.test").post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
