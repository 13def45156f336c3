"""Provisioning runs, rollback at every step, races, rotation, suspension, backup and restore."""

import socket
import threading
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from accounts.models import Membership, User
from agents.models import TenantAgent
from audit.models import OperationalEvent
from tenants import lifecycle
from tenants.lifecycle import credential_rotate, tenant_transition
from tenants.models import Domain, ProvisioningRun, SecretRotation, Tenant
from tenants.provisioning import STEP_NAMES, provisioning_reap, provisioning_request, provisioning_run, secret_names
from tenants.provisioning import run as provisioning_runner
from tenants.provisioning.run import _Recorder
from tenants.provisioning.steps import step_schema
from tenants.tasks import owner_set_password_email, rotate_credentials_task
from vault import get_secret_store
from vault.models import SecretVersion

REQUEST = dict(
    slug="umbrella",
    name="Umbrella Corp",
    plan_code="growth",
    owner_name="Alice Wesker",
    owner_email="alice@umbrella.test",
)


def no_trace(slug: str) -> None:
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
    assert not schema_exists(slug.replace("-", "_"))
    assert get_secret_store().list(tags={"tenant": slug}) == []
    assert not User.objects.filter(email=REQUEST["owner_email"]).exists()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.django_db
def test_provisioning_end_to_end(django_capture_on_commit_callbacks, eager):
    admin = User.objects.get(email="admin@alquimista.test")
    run = provisioning_request(**REQUEST, requested_by=admin, start=False)
    with django_capture_on_commit_callbacks(execute=True):
        run = provisioning_run(run.pk)

    assert run.status == "succeeded", run.error
    assert connection.schema_name == "public"  # a worker's next task must not start in the new schema
    assert [step["status"] for step in run.steps] == ["done"] * len(STEP_NAMES)
    assert all("started_at" in step and "finished_at" in step for step in run.steps)
    tenant = Tenant.objects.get(slug="umbrella")
    assert tenant.status == "active" and tenant.settings["createdBy"]["email"] == "admin@alquimista.test"
    with tenant_context(tenant):
        assert sorted(TenantAgent.objects.values_list("agent_type__code", flat=True)) == [
            "email-nurture",
            "whatsapp-sdr",
        ]
    names = {meta.name: meta.tags for meta in get_secret_store().list(tags={"tenant": "umbrella"})}
    assert set(names) == set(secret_names("umbrella").values())
    assert names["tenant/umbrella/jwt-signing-key"]["requested_by"] == "admin@alquimista.test"
    owner = User.objects.get(email="alice@umbrella.test")
    assert Membership.objects.get(user=owner, tenant=tenant).role == "TENANT_ADMIN"
    password = get_secret_store().get("tenant/umbrella/owner-initial-password").reveal()
    assert len(mail.outbox) == 1 and "http://umbrella.localhost:8000/reset/" in mail.outbox[0].body
    assert "An account was created for you on Umbrella" in mail.outbox[0].body
    assert password not in mail.outbox[0].body and password not in str(run.steps)
    assert OperationalEvent.objects.filter(action="tenant.provisioned", tenant=tenant).count() == 1
    prechecks = next(step for step in run.steps if step["name"] == "prechecks")
    assert set(prechecks["numbers"]) == {"postgres_connections", "database_size", "redis_memory"}


@pytest.mark.django_db
@pytest.mark.parametrize("failing", STEP_NAMES[1:])
def test_a_failure_at_any_step_leaves_no_trace(monkeypatch, failing):
    original = dict(provisioning_runner.STEPS)[failing]

    def fail_after(run, recorder, created):
        original(run, recorder, created)
        raise RuntimeError(f"injected failure in {failing}")

    steps = [(name, fail_after if name == failing else step) for name, step in provisioning_runner.STEPS]
    monkeypatch.setattr(provisioning_runner, "STEPS", steps)
    run = provisioning_run(provisioning_request(**REQUEST, start=False).pk)

    assert run.status == "failed" and run.failed_step == failing and "injected failure" in run.error
    no_trace("umbrella")
    monkeypatch.undo()
    assert provisioning_run(provisioning_request(**REQUEST, start=False).pk).status == "succeeded"  # retrying is safe


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"slug": "www"}, "slug"),
        ({"slug": "Bad_Slug"}, "slug"),
        ({"slug": "acme"}, "slug"),
        ({"plan_code": "platinum"}, "plan"),
        ({"owner_email": ""}, "owner_email"),
        ({"owner_email": "not-an-email"}, "owner_email"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_requests_are_field_errors_and_nothing_is_created(overrides, field):
    before = ProvisioningRun.objects.count()
    with pytest.raises(ValidationError) as error:
        provisioning_request(**{**REQUEST, **overrides}, start=False)
    assert field in error.value.message_dict
    assert ProvisioningRun.objects.count() == before


@pytest.mark.django_db
def test_precheck_refusal_names_the_reason(settings):
    settings.PROVISION_MIN_FREE_CONNECTIONS_PERCENT = 100
    run = provisioning_run(provisioning_request(**REQUEST, start=False).pk)
    assert run.status == "failed" and run.failed_step == "prechecks"
    assert "connections in use" in run.error
    no_trace("umbrella")


@pytest.mark.django_db
def test_two_runs_for_one_slug_one_wins_the_other_fails_cleanly():
    first, second = provisioning_request(**REQUEST, start=False), provisioning_request(**REQUEST, start=False)
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute(
            "SELECT pg_advisory_lock(hashtext('provision:umbrella'))"
        )  # the first run is in progress elsewhere
        busy = provisioning_run(second.pk)
        other.execute("SELECT pg_advisory_unlock(hashtext('provision:umbrella'))")
    assert busy.status == "failed" and "in progress" in busy.error

    won = provisioning_run(first.pk)
    assert won.status == "succeeded"
    assert Tenant.objects.filter(slug="umbrella").count() == 1


@pytest.mark.django_db
def test_smtp_down_at_the_end_of_a_run_keeps_the_tenant_and_the_mail_is_retried(
    settings, eager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    with django_capture_on_commit_callbacks(execute=True) as queued:
        run = provisioning_run(provisioning_request(**REQUEST, start=False).pk)

    assert run.status == "succeeded" and run.failed_step == "" and run.error == ""
    assert len(queued) == 1  # the set-password e-mail, queued once the run had succeeded
    tenant = Tenant.objects.get(slug="umbrella")
    assert tenant.status == "active" and schema_exists("umbrella")
    assert Membership.objects.get(tenant=tenant, user__email="alice@umbrella.test").role == "TENANT_ADMIN"
    assert len(get_secret_store().list(tags={"tenant": "umbrella"})) == 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # SMTP is back: the retry delivers
    owner = User.objects.get(email="alice@umbrella.test")
    assert owner_set_password_email.apply(args=[owner.pk, tenant.pk]).get() is True
    assert len(mail.outbox) == 1 and "http://umbrella.localhost:8000/reset/" in mail.outbox[0].body
    assert "An account was created for you on Umbrella" in mail.outbox[0].body


@pytest.mark.django_db
def test_rotating_the_owner_password_stops_the_old_one_and_keeps_history_without_values(
    eager, django_capture_on_commit_callbacks
):
    run = provisioning_run(provisioning_request(**REQUEST, start=False).pk)
    tenant = run.tenant
    name = secret_names("umbrella")["owner_password"]
    old = get_secret_store().get(name).reveal()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        meta = credential_rotate(tenant=tenant, secret_name=name, actor_email="admin@alquimista.test")

    new = get_secret_store().get(name).reveal()

    def login(password):
        client = Client(HTTP_HOST="umbrella.localhost")
        return client.post("/login/", {"username": "alice@umbrella.test", "password": password}).status_code

    assert meta.version == 2 and login(old) == 200 and login(new) == 302
    history = SecretRotation.objects.get(tenant=tenant)
    assert (history.secret_name, history.version, history.requested_by) == (name, 2, "admin@alquimista.test")
    assert old not in str(history.__dict__) and new not in str(history.__dict__)
    # The owner gets a set-password link, never the password.
    assert [message.to for message in mail.outbox] == [["alice@umbrella.test"]]
    assert "http://umbrella.localhost:8000/reset/" in mail.outbox[0].body
    assert "was replaced with a new random one" in mail.outbox[0].body
    assert "An account was created" not in mail.outbox[0].body
    assert new not in mail.outbox[0].body and old not in mail.outbox[0].body
    event = OperationalEvent.objects.get(action="tenant.secret_rotated", tenant=tenant)
    assert event.target_id == name and event.after == {
        "version": 2,
        "reason": "on demand",
        "set_password_link_sent": True,
    }
    assert new not in str(event.__dict__)
    with pytest.raises(ValidationError):
        credential_rotate(tenant=tenant, secret_name="tenant/acme/jwt-signing-key", actor_email="x")


@pytest.mark.django_db
def test_scheduled_rotation_rotates_old_platform_keys_only_and_leaves_the_owner_password_alone(settings):
    run = provisioning_run(provisioning_request(**REQUEST, start=False).pk)
    owner = User.objects.get(email="alice@umbrella.test")
    owner.set_password("chosen-by-alice-1")
    owner.save(update_fields=["password"])
    SecretVersion.objects.filter(name__startswith="tenant/umbrella/").update(
        created_at=timezone.now() - timedelta(days=settings.CREDENTIAL_ROTATION_DAYS + 1)
    )
    fresh = {meta.name: meta.version for meta in get_secret_store().list(tags={"tenant": "acme"})}

    assert rotate_credentials_task.apply().get() == 2

    names = secret_names("umbrella")
    versions = {meta.name: meta.version for meta in get_secret_store().list(tags={"tenant": "umbrella"})}
    assert versions == {names["jwt"]: 2, names["webhook"]: 2, names["owner_password"]: 1}
    assert {meta.name: meta.version for meta in get_secret_store().list(tags={"tenant": "acme"})} == fresh
    assert sorted(
        SecretRotation.objects.filter(tenant=run.tenant).values_list("secret_name", "requested_by", "reason")
    ) == [
        (names["jwt"], "scheduler", "scheduled"),
        (names["webhook"], "scheduler", "scheduled"),
    ]
    login = Client(HTTP_HOST="umbrella.localhost").post(
        "/login/", {"username": "alice@umbrella.test", "password": "chosen-by-alice-1"}
    )
    assert login.status_code == 302  # the password the owner chose still works
    with pytest.raises(ValidationError):
        credential_rotate(
            tenant=run.tenant, secret_name=names["owner_password"], actor_email="scheduler", reason="scheduled"
        )


@pytest.mark.django_db
def test_suspended_tenant_pages_api_and_ingestion_are_closed_until_resumed(client_for, acme):
    admin = User.objects.get(email="admin@alquimista.test")
    tenant_transition(tenant=acme, to="suspend", actor=admin, reason="unpaid")
    client = client_for(acme, "admin@acme.test")

    page = client.get("/app/dashboard")
    api = client.get("/api/tenant/me")
    ingest = client.post("/api/tenant/agent-requests", {"requests": []}, content_type="application/json")
    assert page.status_code == 403 and b'data-testid="suspended"' in page.content
    assert api.status_code == 403 and api.json()["error"]["code"] == "tenant_suspended"
    assert ingest.status_code == 403
    with pytest.raises(ValidationError):
        tenant_transition(tenant=acme, to="suspend", actor=admin)

    tenant_transition(tenant=acme, to="resume", actor=admin)
    assert client.get("/app/dashboard").status_code == 200
    assert list(
        OperationalEvent.objects.filter(tenant=acme, action__in=["tenant.suspended", "tenant.resumed"])
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["tenant.suspended", "tenant.resumed"]


def test_audit_isolation_command_passes_and_catches_a_leak(transactional_db_free):
    call_command("audit_isolation")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE public.integrations_integration (id int)")
    try:
        with pytest.raises(CommandError, match="public"):
            call_command("audit_isolation")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE public.integrations_integration")


def test_a_real_slug_race_one_run_wins_the_other_fails_cleanly(transactional_db_free):
    runs = [provisioning_request(**REQUEST, start=False).pk, provisioning_request(**REQUEST, start=False).pk]
    start, results = threading.Barrier(2), {}

    def worker(run_id):
        try:
            start.wait()
            results[run_id] = provisioning_run(run_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=[run_id]) for run_id in runs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        statuses = sorted(run.status for run in results.values())
        assert statuses == ["failed", "succeeded"]
        won = next(run for run in results.values() if run.status == "succeeded")
        lost = next(run for run in results.values() if run.status == "failed")
        assert lost.tenant_id is None and lost.failed_step in ("prechecks", "schema")
        assert "in progress" in lost.error or "already exists" in lost.error, lost.error
        tenant = Tenant.objects.get(slug="umbrella")
        assert won.tenant_id == tenant.pk and tenant.status == "active"
        # Nothing of the loser: one schema's worth of secrets at version 1, one owner membership, one audit event.
        assert sorted((m.name, m.version) for m in get_secret_store().list(tags={"tenant": "umbrella"})) == sorted(
            (name, 1) for name in secret_names("umbrella").values()
        )
        assert list(Membership.objects.filter(tenant=tenant).values_list("user__email", "role")) == [
            ("alice@umbrella.test", "TENANT_ADMIN")
        ]
        assert OperationalEvent.objects.filter(action="tenant.provisioned", tenant=tenant).count() == 1
        assert schema_exists("umbrella")
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS umbrella CASCADE")
        for meta in get_secret_store().list(tags={"tenant": "umbrella"}):
            get_secret_store().delete(meta.name)
        Tenant.objects.filter(slug="umbrella").delete()
        User.objects.filter(email=REQUEST["owner_email"]).delete()
        ProvisioningRun.objects.filter(pk__in=runs).delete()


@pytest.mark.django_db
def test_the_reaper_finds_a_tenant_the_dead_run_created_but_had_not_noted_yet():
    run = provisioning_request(**REQUEST, start=False)
    ProvisioningRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(hours=1))
    run.refresh_from_db()
    step_schema(run, _Recorder(run), {"secrets": []})
    ProvisioningRun.objects.filter(pk=run.pk).update(tenant=None)  # died before the run row said so
    assert Tenant.objects.filter(slug="umbrella", status="provisioning").exists()

    assert provisioning_reap() == 1
    no_trace("umbrella")


@pytest.mark.django_db
def test_scheduled_rotation_goes_on_when_one_secret_fails(settings, monkeypatch):
    provisioning_run(provisioning_request(**REQUEST, start=False).pk)
    SecretVersion.objects.filter(name__startswith="tenant/umbrella/").update(
        created_at=timezone.now() - timedelta(days=settings.CREDENTIAL_ROTATION_DAYS + 1)
    )
    names = secret_names("umbrella")
    original = lifecycle.credential_rotate

    def jwt_gone(**kwargs):
        if kwargs["secret_name"] == names["jwt"]:
            raise ValidationError({"secret": "no longer exists."})
        return original(**kwargs)

    monkeypatch.setattr(lifecycle, "credential_rotate", jwt_gone)
    assert lifecycle.scheduled_rotations(max_age_days=settings.CREDENTIAL_ROTATION_DAYS) == 1
    assert get_secret_store().list(tags={"tenant": "umbrella", "kind": "webhook"})[0].version == 2
