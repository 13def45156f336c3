"""Every routed URL × every role, against DESIGN.md's matrix (written out again here, on purpose).

Routes are collected from both URL confs, so a new endpoint without a policy declaration
(or an entry in OPEN_ROUTES) fails `test_every_route_declares_its_policy`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from accounts.api_keys import api_key_create
from accounts.models import User
from accounts.policy import Action
from accounts.roles import Role
from accounts.services import invitation_create
from accounts.staff_tokens import staff_token_create
from dispatch.models import Lead
from operations.commands import batch_create, command_create
from operations.services import incident_open
from tenants.models import Backup
from tenants.provisioning import provisioning_request
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create

A, S, TA, TU = Role.INTERNAL_ADMIN, Role.INTERNAL_SUPPORT, Role.TENANT_ADMIN, Role.TENANT_USER

# DESIGN.md "Roles", independently of accounts/policy.py.
EXPECTED = {
    Action.VIEW_TENANT_DASHBOARD: {TA, TU},
    Action.MANAGE_LEADS: {TA},
    Action.VIEW_COMPANY_PANEL: {A, S},
    Action.VIEW_BILLING: {A},
    Action.CREATE_BASIC_COMMAND: {A, S},
    Action.CREATE_RESET_TOKEN_COMMAND: {A},
    Action.ROTATE_CREDENTIALS: {A},
    Action.MANAGE_TENANT_LIFECYCLE: {A},
    Action.READ_AUDIT_LOG: {A, S},
    Action.VIEW_AS_TENANT: {A, S},
    Action.ENABLE_DISPATCH: {A},
    Action.MANAGE_TENANT_USERS: {TA},
    Action.USE_DJANGO_ADMIN: {A, S},
    Action.MANAGE_ANY_TENANT_API_KEYS: {A},
    Action.INGEST_AGENT_REQUESTS: set(),
    Action.MANAGE_WEBHOOKS: {TA},
    Action.MANAGE_COMPANY_WEBHOOKS: {A},
}
TENANT_ACTIONS = {
    Action.VIEW_TENANT_DASHBOARD,
    Action.MANAGE_LEADS,
    Action.MANAGE_TENANT_USERS,
    Action.INGEST_AGENT_REQUESTS,
    Action.MANAGE_WEBHOOKS,
}

# Routes anyone may open (they do their own checks: tickets, tokens, forms).
OPEN_ROUTES = {
    "home",
    "favicon",
    "login",
    "login-handoff",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "view-as-end",
    "invitation",  # the mailed, signed token is the proof (accounts/tests/test_invitations.py)
    "invitation-accept",
    "invitation-decline",
    "api-schema",
    "api-docs",
    "api-not-found",  # the JSON 404 (or 308) for any other /api/ path; serves nothing (core/api/not_found.py)
    "choose-tenant",
}
CAST = {
    "anonymous": None,
    "internal_admin": ("admin@alquimista.test", A),
    "internal_support": ("support@alquimista.test", S),
    "tenant_admin": ("admin@acme.test", TA),
    "tenant_user": ("user@acme.test", TU),
    "other_tenant_admin": ("admin@globex.test", None),
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the admin asks the policy through its site; see dashboards/tests/test_admin.py
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name, pattern.callback


def routes():
    found = []
    for host, urlconf in (("public", "alquimista.urls_public"), ("tenant", "alquimista.urls_tenant")):
        for route, name, callback in _walk(get_resolver(urlconf).url_patterns):
            found.append((host, route, name, callback))
    return found


def declared(callback) -> dict[str, Action | str]:
    """Method → action (or "authenticated") as the view declares it."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and hasattr(view_class, "required_actions"):
        methods = [m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        return {m: view_class.required_actions.get(m, view_class.required_action) for m in methods}
    action = getattr(callback, "policy_action", None)
    if action is None:
        return {}
    methods = ["POST"] if getattr(callback, "post_only", False) else ["GET"]
    return {m: action for m in methods}


def test_every_route_declares_its_policy():
    missing = [
        f"{host}:{route} ({name})"
        for host, route, name, callback in routes()
        if name not in OPEN_ROUTES and not declared(callback)
    ]
    assert missing == []


CASES = [
    pytest.param(host, route, name, method, action, who, id=f"{host}:{name}:{method}:{who}")
    for host, route, name, callback in routes()
    if name not in OPEN_ROUTES
    for method, action in declared(callback).items()
    for who in CAST
]


def fill(route: str, acme, fixtures) -> str:
    values = {
        "tenant_id": acme.pk,
        "key_id": fixtures["key"].pk,
        "user_id": fixtures["member"].pk,
        "session_id": 999999,
        "invitation_id": fixtures["invitation"].pk,
        "incident_id": fixtures["incident"].pk,
    }
    values.update(
        command_id=fixtures["command"].pk,
        batch_id=fixtures["batch"].pk,
        run_id=fixtures["run"].pk,
        backup_id=fixtures["backup"].pk,
        lead_id=fixtures["lead"].pk,
        token_id=fixtures["token"].pk,
    )
    # A tenant's webhook routes name acme's endpoint, the company's routes the company's.
    endpoint = fixtures["tenant_webhook" if route.startswith(("api/tenant/", "app/dashboard")) else "company_webhook"]
    values.update(endpoint_id=endpoint.pk, delivery_id=endpoint.deliveries.get().pk)
    path = route
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<uuid:{name}>", str(value))
    assert "<" not in path, f"no sample value for {route}"
    return "/" + path


@pytest.fixture
def fixtures(acme):
    key, _ = api_key_create(tenant=acme, name="matrix", scopes=["read"])
    incident, _ = incident_open(tenant=acme, dedupe_key="matrix", title="Matrix", severity="info", source="test")
    admin = User.objects.get(email="admin@alquimista.test")
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin, enqueue=False)
    batch = batch_create(command_type="HEALTH_CHECK", tenants=[acme], parameters={}, concurrency=1, actor=admin)

    run = provisioning_request(
        slug="matrix-co", name="Matrix", plan_code="starter", owner_name="M", owner_email="m@matrix.test"
    )
    backup = Backup.objects.create(kind="tenant", tenant_slug="acme", location="/nonexistent/acme.dump")

    with tenant_context(acme):
        lead = Lead.objects.create(name="Matrix Lead", email="lead@matrix.test")
    tenant_webhook = endpoint_create(tenant=acme, url="http://127.0.0.1:9/acme", events=["command.finished"])
    company_webhook = endpoint_create(tenant=None, url="http://127.0.0.1:9/company", events=["command.finished"])
    for endpoint in (tenant_webhook, company_webhook):
        WebhookDelivery.objects.create(endpoint=endpoint, event_type="ping", payload={"id": "matrix"})
    return {
        "tenant_webhook": tenant_webhook,
        "company_webhook": company_webhook,
        # Support's own token: support may revoke it, and an internal admin may revoke anyone's.
        "token": staff_token_create(user=User.objects.get(email="support@alquimista.test"), name="m", scopes=["read"])[
            0
        ],
        "run": run,
        "backup": backup,
        "lead": lead,
        "key": key,
        "member": User.objects.get(email="user@acme.test"),
        "invitation": invitation_create(
            tenant=acme,
            user=User.objects.get(email="user@globex.test"),
            email="user@globex.test",
            role=Role.TENANT_USER,
        ),
        "incident": incident,
        "command": command,
        "batch": batch,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("host, route, name, method, action, who", CASES)
def test_route_answers_by_role(client_for, acme, public_tenant, fixtures, host, route, name, method, action, who):
    tenant = acme if host == "tenant" else public_tenant
    cast = CAST[who]
    client = client_for(tenant, cast[0] if cast else None)
    path = fill(route, acme, fixtures)
    response = client.generic(method, path, content_type="application/json", data="{}")
    is_api = route.startswith("api/")
    status = response.status_code
    location = response.get("Location", "")
    to_login = location.startswith("/login/") or "/login/?" in location

    if cast is None:
        if is_api:
            assert status == 401
        else:
            assert status == 302 and to_login
        return
    role = cast[1]
    if action == "authenticated":
        assert status not in (401, 403) and not to_login
        return
    allowed = role in EXPECTED[action]
    if allowed:
        assert status not in (401, 403, 404), f"{who} must be allowed {method} {path}"
        assert not to_login
    elif action in TENANT_ACTIONS:
        member = role in (TA, TU)
        assert status == (403 if member else 404), f"{who} on {path}"
    elif role in (A, S):
        assert status == 403
    elif is_api:
        assert status == 403
    else:
        # A tenant user on the public host is sent to their own dashboard (role routing).
        assert status == 302 and "/login/handoff?ticket=" in location
