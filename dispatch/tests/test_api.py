"""The tenant and internal dispatch API: bad input is a 400 naming the field, writes are for admins."""

import csv
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from dispatch.models import DispatchRun, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_demo_leads(acme):
    with tenant_context(acme):
        Lead.objects.all().delete()
        DispatchRun.objects.all().delete()


def fields_of(response) -> dict:
    return response.json()["error"]["fields"]


@pytest.mark.parametrize("body", [[], [{"name": "Ana", "email": "ana@lead.test"}], "Ana", 7])
@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/tenant/leads"),
        ("patch", "/api/tenant/leads/{lead}"),
        ("post", "/api/tenant/leads/import"),
        ("post", "/api/tenant/dispatch/runs"),
    ],
)
def test_a_json_body_that_is_not_an_object_is_a_400_and_writes_nothing(acme, client_for, method, url, body):
    with tenant_context(acme):
        lead = Lead.objects.create(name="Zoe", email="zoe@lead.test")
    client = client_for(acme, "admin@acme.test")

    response = getattr(client, method)(url.format(lead=lead.pk), json.dumps(body), content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["fields"]
    with tenant_context(acme):
        assert list(Lead.objects.values_list("name", "email")) == [("Zoe", "zoe@lead.test")]
        assert not DispatchRun.objects.exists()


@pytest.mark.parametrize("body", [[], [{"enabled": True}], "true", 1])
def test_the_internal_flag_refuses_a_body_that_is_not_an_object(acme, client_for, public_tenant, body):
    response = client_for(public_tenant, "admin@alquimista.test").post(
        f"/api/internal/tenants/{acme.pk}/dispatch", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and fields_of(response) == {"enabled": ["true or false."]}
    acme.refresh_from_db()
    assert "dispatch_enabled" not in acme.settings


@pytest.mark.parametrize(
    "query, field",
    [
        ("run=%C2%B2", "run"),  # "²": isdigit() but not a number int() takes
        ("run=-1", "run"),
        ("run=1.0", "run"),
        ("channel=sms", "channel"),
        ("channel=EMAIL", "channel"),
        ("reason=SPAM", "reason"),
        ("reason=email", "reason"),
    ],
)
def test_decision_filters_outside_their_choices_are_a_400_naming_the_parameter(acme, client_for, query, field):
    response = client_for(acme, "user@acme.test").get(f"/api/tenant/dispatch/decisions?{query}")
    assert response.status_code == 400 and list(fields_of(response)) == [field]


@pytest.mark.parametrize(
    "content, fields",
    [
        (
            b"name,email\nAna,ana@lead.test\n" + b"B" * (csv.field_size_limit() + 1) + b",b@lead.test\n",
            {"file": [f"Not readable as CSV: field larger than field limit ({csv.field_size_limit()})."]},
        ),
        # NUL bytes pass the csv module (Python 3.11+) and are refused per row by the field validators
        (
            b"name,email\nAna,ana@lead.test\nBia\x00,bia@lead.test\n",
            {"rows": ["line 3: name: Null characters are not allowed."]},
        ),
    ],
)
def test_an_unreadable_csv_is_a_clear_error_and_imports_nothing(acme, client_for, content, fields):
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/leads/import", {"file": SimpleUploadedFile("leads.csv", content)}
    )
    assert response.status_code == 400 and fields_of(response) == fields
    with tenant_context(acme):
        assert not Lead.objects.exists()


def test_the_dispatch_page_shows_an_unreadable_csv_as_a_form_error(acme, client_for):
    response = client_for(acme, "admin@acme.test").post(
        "/app/dashboard/dispatch/import",
        {
            "file": SimpleUploadedFile(
                "leads.csv", b"name,email\n" + b"A" * (csv.field_size_limit() + 1) + b",a@lead.test\n"
            )
        },
        follow=True,
    )
    assert response.status_code == 200
    assert b"Not readable as CSV: field larger than field limit" in response.content
    with tenant_context(acme):
        assert not Lead.objects.exists()


def test_the_dispatch_state_of_an_archived_tenant_is_a_409_not_a_500(client_for, public_tenant):
    from tenants.models import Tenant

    initech = Tenant.objects.get(slug="initech")
    with connection.cursor() as cursor:  # what tenant_archive does (rolled back with the test)
        cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(initech.schema_name)} CASCADE")
    Tenant.objects.filter(pk=initech.pk).update(status=Tenant.Status.ARCHIVED)
    admin = client_for(public_tenant, "admin@alquimista.test")
    url = f"/api/internal/tenants/{initech.pk}/dispatch"

    for response in (admin.get(url), admin.post(url, {"enabled": True}, content_type="application/json")):
        assert response.status_code == 409
        assert response.json()["error"] == {
            "status": 409,
            "code": "conflict",
            "message": "The tenant is archived: it has no dispatch data.",
        }
    initech.refresh_from_db()
    assert "dispatch_enabled" not in initech.settings
