"""The tenant and internal dispatch API: bad input is a 400 naming the field, writes are for admins."""

import csv
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from audit.models import OperationalEvent
from dispatch.models import DispatchDecision, DispatchRun, Lead
from tenants.models import Tenant

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


def test_tenant_admins_start_runs_tenant_users_read_them_outsiders_see_nothing(
    acme, client_for, django_capture_on_commit_callbacks
):
    admin, user = client_for(acme, "admin@acme.test"), client_for(acme, "user@acme.test")
    outsider = client_for(acme, "admin@globex.test")
    url = "/api/tenant/dispatch/runs"

    with django_capture_on_commit_callbacks(execute=False) as started:
        created = admin.post(url, {"batch_size": 5, "dry_run": True}, content_type="application/json")
    assert created.status_code == 202 and len(started) == 1
    body = created.json()
    assert {k: body[k] for k in ("started_by_email", "dry_run", "batch_size", "status", "processed", "counts")} == {
        "started_by_email": "admin@acme.test",
        "dry_run": True,
        "batch_size": 5,
        "status": "pending",
        "processed": 0,
        "counts": {},
    }

    with django_capture_on_commit_callbacks(execute=False) as refused_tasks:
        assert user.post(url, {"batch_size": 5}, content_type="application/json").status_code == 403
        assert outsider.post(url, {"batch_size": 5}, content_type="application/json").status_code == 404
    assert refused_tasks == []
    with tenant_context(acme):
        assert list(DispatchRun.objects.values_list("pk", flat=True)) == [body["id"]]

    listed = user.get(url)
    assert listed.status_code == 200 and [run["id"] for run in listed.json()["results"]] == [body["id"]]
    assert outsider.get(url).status_code == 404
    assert admin.post(url, {"batch_size": 0}, content_type="application/json").json()["error"]["fields"] == {
        "batch_size": ["Ensure this value is greater than or equal to 1."]
    }


def test_decisions_are_filtered_by_run_channel_and_reason(acme, client_for):
    with tenant_context(acme):
        ana = Lead.objects.create(name="Ana", email="ana@lead.test")
        bia = Lead.objects.create(name="Bia", phone="+5511900000001")
        first = DispatchRun.objects.create(started_by_email="admin@acme.test")
        second = DispatchRun.objects.create(started_by_email="admin@acme.test")
        for run, lead, channel, code in [
            (first, ana, "email", "EMAIL"),
            (first, bia, "none", "DO_NOT_CONTACT"),
            (second, ana, "none", "COOLDOWN"),
            (second, bia, "whatsapp", "WHATSAPP"),
            (second, bia, "whatsapp", "RATE_LIMITED"),
        ]:
            DispatchDecision.objects.create(
                run=run, lead=lead, channel=channel, reason_code=code, reason=code.lower(), dry_run=True
            )
    user = client_for(acme, "user@acme.test")

    def rows(query):
        response = user.get(f"/api/tenant/dispatch/decisions?{query}")
        assert response.status_code == 200
        return sorted((d["run"], d["lead_name"], d["channel"], d["reason_code"]) for d in response.json()["results"])

    assert rows(f"run={first.pk}") == [(first.pk, "Ana", "email", "EMAIL"), (first.pk, "Bia", "none", "DO_NOT_CONTACT")]
    assert rows("channel=whatsapp") == [
        (second.pk, "Bia", "whatsapp", "RATE_LIMITED"),
        (second.pk, "Bia", "whatsapp", "WHATSAPP"),
    ]
    assert rows("reason=COOLDOWN") == [(second.pk, "Ana", "none", "COOLDOWN")]
    assert rows(f"run={second.pk}&channel=none") == [(second.pk, "Ana", "none", "COOLDOWN")]
    assert rows(f"run={first.pk}&reason=WHATSAPP") == []
    assert rows(f"run={second.pk + 1000}") == []
    assert len(rows("")) == 5


def test_lead_update_delete_and_list_filters(acme, globex, client_for):
    with tenant_context(acme):
        ana = Lead.objects.create(name="Ana Souza", email="ana@lead.test")
        bruna = Lead.objects.create(name="Bruna Lima", phone="+5511900000001", status="do_not_contact")
        Lead.objects.create(name="Carla Dias", email="carla@lead.test", status="contacted")
    admin, user = client_for(acme, "admin@acme.test"), client_for(acme, "user@acme.test")
    outsider = client_for(acme, "admin@globex.test")
    url = f"/api/tenant/leads/{ana.pk}"

    def names(query):
        response = user.get(f"/api/tenant/leads?{query}")
        assert response.status_code == 200
        return sorted(lead["name"] for lead in response.json()["results"])

    assert names("status=do_not_contact") == ["Bruna Lima"]
    assert names("search=DIAS") == ["Carla Dias"]
    assert names("search=a&status=new") == ["Ana Souza"]
    assert user.get("/api/tenant/leads?status=gone").json()["error"]["fields"] == {
        "status": ["Must be one of new, contacted, scheduled, do_not_contact."]
    }

    assert user.patch(url, {"name": "Hacked"}, content_type="application/json").status_code == 403
    assert outsider.patch(url, {"name": "Hacked"}, content_type="application/json").status_code == 404
    refused = admin.patch(url, {"name": "Ana S.", "phone": "12345"}, content_type="application/json")
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["phone"]
    assert admin.patch(url, {"email": ""}, content_type="application/json").json()["error"]["fields"] == {
        "phone": ["Give a phone or an e-mail."]
    }
    with tenant_context(acme):
        assert Lead.objects.values_list("name", "phone", "email").get(pk=ana.pk) == ("Ana Souza", "", "ana@lead.test")
    updated = admin.patch(url, {"name": "Ana S.", "phone": "+5511987654321"}, content_type="application/json")
    assert updated.status_code == 200 and (updated.json()["name"], updated.json()["phone"]) == (
        "Ana S.",
        "+5511987654321",
    )
    with tenant_context(acme):
        assert Lead.objects.values_list("name", "phone").get(pk=ana.pk) == ("Ana S.", "+5511987654321")

    assert user.delete(f"/api/tenant/leads/{bruna.pk}").status_code == 403
    assert outsider.delete(f"/api/tenant/leads/{bruna.pk}").status_code == 404
    assert client_for(globex, "admin@globex.test").delete(f"/api/tenant/leads/{bruna.pk}").status_code == 404
    assert admin.delete(f"/api/tenant/leads/{bruna.pk}").status_code == 204
    assert admin.delete(f"/api/tenant/leads/{bruna.pk}").status_code == 404
    with tenant_context(acme):
        assert sorted(Lead.objects.values_list("name", flat=True)) == ["Ana S.", "Carla Dias"]


def test_lead_writes_go_through_services_that_audit_them(acme, client_for):
    admin = client_for(acme, "admin@acme.test")
    created = admin.post(
        "/api/tenant/leads", {"name": "Dora", "email": "dora@lead.test"}, content_type="application/json"
    )
    assert created.status_code == 201
    lead_id = str(created.json()["id"])
    url = f"/api/tenant/leads/{lead_id}"
    assert admin.patch(url, {"status": "contacted"}, content_type="application/json").status_code == 200
    assert admin.delete(url).status_code == 204
    events = OperationalEvent.objects.filter(tenant=acme, target_type="lead", target_id=lead_id).order_by("pk")
    assert [(event.action, event.actor_email) for event in events] == [
        ("lead.created", "admin@acme.test"),
        ("lead.updated", "admin@acme.test"),
        ("lead.deleted", "admin@acme.test"),
    ]
    assert events[1].after == {"fields": ["status"], "status": "contacted"}
    assert "dora" not in str([event.after for event in events]).lower()  # no personal data in the log


def test_a_lead_file_over_the_size_cap_is_refused_unread_and_imports_nothing(acme, client_for):
    oversized = b"name,email\n" + b"Ana,ana@lead.test\n" * (2 * 1024 * 1024 // 18 + 10)
    assert len(oversized) > 2 * 1024 * 1024
    response = client_for(acme, "admin@acme.test").post(
        "/api/tenant/leads/import", {"file": SimpleUploadedFile("big.csv", oversized, content_type="text/csv")}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": ["The file is too large: at most 2 MB (5000 leads)."]}
    with tenant_context(acme):
        assert not Lead.objects.exists()
