import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from alquimista.celery import app
from dispatch.models import DispatchDecision, DispatchRun, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_demo_leads(acme):
    with tenant_context(acme):
        Lead.objects.all().delete()


def test_admin_imports_leads_runs_a_dry_run_and_sees_decisions(client_for, acme, django_capture_on_commit_callbacks):
    client = client_for(acme, "admin@acme.test")
    csv = b"name,email,email_opt_in,time_zone\nAna,ana@lead.test,yes,UTC\nBia,bia@lead.test,no,UTC\n"
    client.post("/app/dashboard/dispatch/import", {"file": SimpleUploadedFile("leads.csv", csv)})
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/app/dashboard/dispatch/run", {"batch_size": "10"})
    finally:
        app.conf.task_always_eager = False

    page = client.get("/app/dashboard/dispatch")
    assert page.status_code == 200 and b"Dispatch is <strong>off</strong>" in page.content
    assert b'data-testid="decisions"' in page.content and b"Ana" in page.content
    with tenant_context(acme):
        assert Lead.objects.count() == 2 and DispatchRun.objects.get().dry_run is True


def test_bad_csv_shows_line_errors_and_imports_nothing(client_for, acme):
    client = client_for(acme, "admin@acme.test")
    response = client.post(
        "/app/dashboard/dispatch/import", {"file": SimpleUploadedFile("x.csv", b"name,phone\nAna,123\n")}, follow=True
    )
    assert b"line 2: phone" in response.content and b"Nothing was imported" in response.content
    with tenant_context(acme):
        assert not Lead.objects.exists()


def test_tenant_user_reads_but_cannot_run_or_import(client_for, acme):
    client = client_for(acme, "user@acme.test")
    assert client.get("/app/dashboard/dispatch").status_code == 200
    assert client.post("/app/dashboard/dispatch/run", {"batch_size": "10"}).status_code == 403
    assert b'data-testid="dry-run"' not in client.get("/app/dashboard/dispatch").content


def test_staff_toggle_dispatch_from_the_tenant_page(client_for, public_tenant, acme):
    admin = client_for(public_tenant, "admin@alquimista.test")
    assert b"Enable dispatch" in admin.get(f"/app/company/tenants/{acme.pk}/operations").content
    admin.post(f"/app/company/tenants/{acme.pk}/dispatch", {"enabled": "1"})
    acme.refresh_from_db()
    assert acme.settings["dispatch_enabled"] is True
    assert (
        client_for(public_tenant, "support@alquimista.test")
        .post(f"/app/company/tenants/{acme.pk}/dispatch", {"enabled": "0"})
        .status_code
        == 403
    )


def test_the_page_shows_why_a_run_failed_and_why_a_message_was_not_sent(client_for, acme):
    with tenant_context(acme):
        lead = Lead.objects.create(name="Ana", email="ana@lead.test")
        run = DispatchRun.objects.create(
            started_by_email="admin@acme.test", dry_run=False, status="failed", error="Refused: tenant is suspended."
        )
        DispatchDecision.objects.create(
            run=run,
            lead=lead,
            channel="email",
            reason_code="EMAIL",
            reason="Opted in.",
            dry_run=False,
            error="Not sent: dispatch is off for this tenant.",
        )

    page = client_for(acme, "user@acme.test").get("/app/dashboard/dispatch")

    assert b'<span class="muted" data-testid="run-error">Refused: tenant is suspended.</span>' in page.content
    assert (
        b'<span class="muted" data-testid="decision-error">Not sent: dispatch is off for this tenant.</span>'
        in page.content
    )
