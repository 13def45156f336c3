"""Every route, any input, any caller: a 4xx, never a 5xx.

Walks the URL resolvers of both URL configurations (the public host and a tenant's host), fills each
route's path parameters with existing, foreign, missing and hostile ids, and sends hostile query values
(NUL and control characters, very long strings, huge and negative numbers, invalid dates), hostile bodies
(deep and wide JSON, wrong types, unstorable text, wrong content types, oversized, too many fields), with
every method and `Accept`, as every principal (anonymous, tenant user and admin, support, internal
admin, an API key of each scope; a stray bad API key header too). Hypothesis draws the combinations, derandomized so a run is
deterministic; each request runs in a savepoint that is rolled back, so no request sees another's writes.

Not sent here: the Django admin (dashboards/tests/test_admin_smoke.py opens every admin page), and the
authorised requests that run pg_dump or pg_restore in their own database session (archive, backups): they
cannot see this test's transaction and are covered by tenants/tests/test_backups.py.
"""

import json
import re
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.api_keys import api_key_create
from accounts.models import ApiKey, User
from conftest import host_of, session_key_for
from dispatch.models import Lead
from operations.commands_models import Command, CommandBatch
from operations.models import Incident
from tenants.models import Backup, ProvisioningRun, Tenant

PUBLIC_PRINCIPALS = (None, "support@alquimista.test", "admin@alquimista.test", "admin@acme.test")
TENANT_PRINCIPALS = (
    None,
    "user@acme.test",
    "admin@acme.test",
    "support@alquimista.test",
    "admin@alquimista.test",
    *(f"api-key:{scope}" for scope in ApiKey.Scope.values),  # an integration, with a key of each scope
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
ACCEPTS = (
    None,
    "application/json",
    "text/html",
    "*/*",
    "text/csv",
    "application/xml",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "nonsense",
)
# Routes whose authorised POST runs pg_dump / pg_restore (see the module docstring).
OWN_SESSION_ROUTES = {
    "api-internal-tenant-archive",
    "api-internal-tenant-backup",
    "api-internal-backups",
    "company-tenant-archive",
    "company-tenant-backup",
}

HUGE = str(2**64)
HOSTILE_TEXT = (
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\nSet-Cookie: x=1",
    "x" * 5000,
    "-1",
    "0",
    str(2**63),
    HUGE,
    "-" + HUGE,
    "1e308",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "9999-99-99T99:99:99",
    "١",
    "²",
    "",
    " ",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "true",
    "[]",
)
PARAMETER_NAMES = (
    "page",
    "page_size",
    "search",
    "status",
    "plan",
    "ordering",
    "tenant",
    "type",
    "created_by",
    "from",
    "to",
    "actor",
    "action",
    "export",
    "severity",
    "period",
    "agent",
    "run",
    "channel",
    "reason",
    "kind",
    "format",
    "next",
    "q",
)
BODY_KEYS = (
    "name",
    "email",
    "enabled",
    "reason",
    "slug",
    "plan",
    "owner_name",
    "owner_email",
    "owner_squad",
    "sla",
    "contacts",
    "tenant_id",
    "tenant_ids",
    "type",
    "parameters",
    "idempotency_key",
    "requests",
    "scopes",
    "dry_run",
    "batch_size",
    "status",
    "concurrency",
    "role",
    "phone",
    "username",
    "password",
)
DEEP_JSON = "[" * 5000 + "]" * 5000
OVERSIZED = "a=" + "x" * (3 * 1024 * 1024)
TOO_MANY_FIELDS = "&".join(f"f{n}=1" for n in range(1500))

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(("\ud800", "ok\udfff")),  # lone surrogates, as JSON can spell them
        st.text(max_size=30),
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(BODY_KEYS), children, max_size=4),
    max_leaves=12,
)


def _json_body(value) -> tuple[str, str]:
    return json.dumps(value), "application/json"


bodies = st.one_of(
    st.just(None),
    st.dictionaries(st.sampled_from(BODY_KEYS), json_values, max_size=6).map(_json_body),
    json_values.map(_json_body),
    st.sampled_from(
        [
            (DEEP_JSON, "application/json"),
            (json.dumps({f"k{n}": n for n in range(3000)}), "application/json"),
            (json.dumps(list(range(3000))), "application/json"),
            ("{", "application/json"),
            (b"\xff\xfe{", "application/json"),  # not UTF-8
            (
                '{"name": "a\\u0000b", "reason": "\\u0000", "contacts": [{"name": "\\u0000", "email": "a@b.test"}]}',
                "application/json",
            ),
            (OVERSIZED, "application/x-www-form-urlencoded"),
            (OVERSIZED, "application/json"),
            (TOO_MANY_FIELDS, "application/x-www-form-urlencoded"),
            ("name=a%00b&search=%00&reason=%00", "application/x-www-form-urlencoded"),
            ("--x\r\nbroken", "multipart/form-data"),
            ("--x\r\nbroken", "multipart/form-data; boundary=x"),
            ("<a>b</a>", "application/xml"),
            ("plain", "text/plain"),
            ("{}", "application/json; charset=utf-999"),
        ]
    ),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETER_NAMES), st.sampled_from(HOSTILE_TEXT[:4])),
    st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40)),
    max_size=4,
)


def _routes(urlconf: str):
    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith("admin/"):
                continue
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern.name

    return sorted(set(walk(get_resolver(urlconf).url_patterns, "")))


ROUTES = [("public", *route) for route in _routes("alquimista.urls_public")] + [
    ("tenant", *route) for route in _routes("alquimista.urls_tenant")
]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _existing_ids(acme, globex) -> dict:
    """An existing value for each path parameter name, and a foreign one where another tenant owns it."""
    with tenant_context(acme):
        lead = Lead.objects.first() or Lead.objects.create(name="Fuzz", email="fuzz@lead.test")
    key = ApiKey.objects.filter(tenant=acme).first()
    incident = Incident.objects.first()
    command = Command.objects.first()
    batch = CommandBatch.objects.first()
    run = ProvisioningRun.objects.first()
    kind = next(value for value in Backup.Kind.values if value != Backup.Kind.TENANT)
    backup = Backup.objects.create(kind=kind, tenant_slug="", location="/nowhere/all.dump")
    return {
        "tenant_id": [acme.pk, globex.pk, Tenant.objects.get(schema_name="public").pk],
        "lead_id": [lead.pk],
        "key_id": [key.pk] if key else [1],
        "incident_id": [incident.pk] if incident else [1],
        "user_id": [User.objects.get(email="user@acme.test").pk, User.objects.get(email="admin@globex.test").pk],
        "backup_id": [backup.pk],
        "session_id": [1],
        "command_id": [command.pk] if command else [uuid.uuid4()],
        "batch_id": [batch.pk] if batch else [uuid.uuid4()],
        "run_id": [run.pk] if run else [uuid.uuid4()],
    }


def _path_values(converter: str, existing: list):
    if converter == "int":
        return st.sampled_from([*existing, 0, 1, 2**31, 2**63 - 1, 2**63, 10**30])
    if converter == "uuid":
        return st.sampled_from([*existing, uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)])
    return st.sampled_from(["x", "\x00", "%00", "a" * 3000, "MQ", "set-password", "ü", "..", "1-2-3"]).map(
        lambda value: quote(value, safe="")
    )


@st.composite
def _requests(draw, route: str, principals: tuple, ids: dict) -> dict:
    def fill(match):
        value = draw(_path_values(match["converter"] or "str", ids.get(match["name"], [])))
        return str(value)

    return {
        "path": "/" + PARAMETER.sub(fill, route),
        "principal": draw(st.sampled_from(principals)),
        "method": draw(st.sampled_from(METHODS)),
        "accept": draw(st.sampled_from(ACCEPTS)),
        "query": draw(queries),
        "body": draw(bodies),
        "api_key": draw(st.sampled_from([None, None, None, "alq_x_y", "\x00", "alq_" + "x" * 500])),
    }


def _send(tenant, sessions: dict, request: dict):
    client = Client(HTTP_HOST=host_of(tenant))
    headers = {}
    principal = request["principal"] or ""
    if principal.startswith("api-key:"):
        headers["HTTP_X_API_KEY"] = sessions[principal]
    elif principal:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = sessions[principal]
    if request["accept"]:
        headers["HTTP_ACCEPT"] = request["accept"]
    if request["api_key"]:
        headers.setdefault("HTTP_X_API_KEY", request["api_key"])
    path = request["path"]
    if request["query"]:
        path += "?" + urlencode(request["query"])
    if request["body"] is None:
        return client.generic(request["method"], path, **headers)
    body, content_type = request["body"]
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return client.generic(request["method"], path, data=data, content_type=content_type, **headers)


@pytest.fixture
def world(acme, globex, public_tenant):
    """Per test (all its examples): existing ids, and a session for each principal on each host."""
    emails = {*PUBLIC_PRINCIPALS, *TENANT_PRINCIPALS} - {None} - {p for p in TENANT_PRINCIPALS if p and "@" not in p}
    sessions = {
        (tenant.pk, email): session_key_for(tenant, email) for tenant in (public_tenant, acme) for email in emails
    }
    for scope in ApiKey.Scope.values:
        sessions[acme.pk, f"api-key:{scope}"] = api_key_create(tenant=acme, name=f"fuzz {scope}", scopes=[scope])[1]
    return {"ids": _existing_ids(acme, globex), "sessions": sessions}


def _runs_in_its_own_session(name: str, request: dict) -> bool:
    return (
        name in OWN_SESSION_ROUTES and request["method"] == "POST" and request["principal"] == "admin@alquimista.test"
    )


@pytest.mark.parametrize(("host", "route", "name"), ROUTES, ids=[f"{host}:{route}" for host, route, _ in ROUTES])
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure message shows the whole request
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_input_is_a_server_error(host, route, name, data, world, acme, public_tenant):
    tenant = public_tenant if host == "public" else acme
    principals = PUBLIC_PRINCIPALS if host == "public" else TENANT_PRINCIPALS
    sessions = {email: key for (tenant_pk, email), key in world["sessions"].items() if tenant_pk == tenant.pk}
    request = data.draw(_requests(route, principals, world["ids"]), label="request")
    with transaction.atomic():
        if not _runs_in_its_own_session(name, request):
            response = _send(tenant, sessions, request)
            assert response.status_code < 500, (request, response.status_code, response.content[:500])
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    cache.clear()
