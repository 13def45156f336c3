"""Backup and restore: row-for-row restores (schema and public rows), failures that change nothing, audit."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from accounts.models import User
from agents.models import AgentType
from audit.models import OperationalEvent
from integrations.models import Integration
from operations.models import Incident
from tenants import backups
from tenants.backups import backup_all, backup_tenant, restore_tenant
from tenants.lifecycle import tenant_archive
from tenants.models import Backup, Domain, ProvisioningRun, Tenant
from tenants.provisioning import provisioning_request, provisioning_run
from usage.latency import BUCKET_COUNT
from usage.models import UsageDaily
from vault import get_secret_store


def rows_of(tenant) -> dict:
    with tenant_context(tenant), connection.cursor() as cursor:
        result = {}
        for table in ("agents_tenantagent", "integrations_integration", "usage_agentrequest"):
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            result[table] = cursor.fetchall()
        return result


USAGE_FIELDS = ["agent_type_id", "day", "requests", "errors", "tokens_in", "cost", "latency_hist", "rolled_up_at"]
INCIDENT_FIELDS = ["severity", "title", "status", "source", "dedupe_key", "opened_at", "acknowledged_by_id"]


def public_rows_of(tenant, *, with_ids: bool = True) -> dict:
    ids = ["id"] if with_ids else []
    return {
        "usage": list(
            UsageDaily.objects.filter(tenant=tenant).order_by("day", "agent_type_id").values_list(*ids, *USAGE_FIELDS)
        ),
        "incidents": list(
            Incident.objects.filter(tenant=tenant).order_by("opened_at", "title").values_list(*ids, *INCIDENT_FIELDS)
        ),
    }


@pytest.fixture
def initech_with_public_rows(transactional_db_free):
    """initech with two days of roll-ups and two incidents, committed; all of it removed afterwards."""

    initech = Tenant.objects.get(slug="initech")
    kept = {
        model: list(model.objects.filter(tenant=initech).values_list("pk", flat=True))
        for model in (UsageDaily, Incident)
    }
    agent_type = AgentType.objects.order_by("code").first()
    admin = User.objects.get(email="admin@alquimista.test")
    for offset, requests in ((1, 120), (2, 75)):
        UsageDaily.objects.create(
            tenant=initech,
            agent_type=agent_type,
            day=date(2026, 11, 1) - timedelta(days=offset),
            requests=requests,
            errors=offset,
            tokens_in=requests * 10,
            cost=Decimal("1.2345") * offset,
            latency_hist=[offset] * BUCKET_COUNT,
            rolled_up_at=timezone.now(),
        )
    opened = [
        Incident.objects.create(tenant=initech, title="Error rate 9%", source="usage", dedupe_key="error-rate:x"),
        Incident.objects.create(tenant=initech, title="Quota", source="usage", severity="critical"),
    ]
    Incident.objects.filter(pk=opened[0].pk).update(
        opened_at=timezone.now() - timedelta(days=3), acknowledged_by=admin, status="acknowledged"
    )
    yield initech
    for model in (UsageDaily, Incident):
        model.objects.filter(tenant__slug="initech").exclude(pk__in=kept[model]).delete()
        model.objects.filter(tenant__slug="initech-copy").delete()
    copy = Tenant.objects.filter(slug="initech-copy").first()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS initech_copy CASCADE")
    if copy is not None:
        copy.delete()
    Backup.objects.filter(tenant_slug="initech").delete()


def test_backup_destroy_restore_gives_back_every_row(initech_with_public_rows, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path)
    initech = initech_with_public_rows
    before, public_before = rows_of(initech), public_rows_of(initech)
    first_event = OperationalEvent.objects.order_by("-id").values_list("id", flat=True).first()
    backup = backup_tenant(tenant=initech, actor_email="ops@alquimista.test")
    full = backup_all()
    assert backup.verified and backup.entries > 0 and full.verified and full.size_bytes > backup.size_bytes
    assert re.match(r".*/tenants/initech/\d+T\d+\.dump$", backup.location)

    with tenant_context(initech), connection.cursor() as cursor:
        cursor.execute("DELETE FROM usage_agentrequest; DELETE FROM integrations_integration")
    UsageDaily.objects.filter(tenant=initech).delete()
    Incident.objects.filter(tenant=initech).update(status="resolved", title="changed")
    assert rows_of(initech)["usage_agentrequest"] == []

    restore_tenant(backup=backup, actor_email="ops@alquimista.test")
    assert rows_of(initech) == before
    assert public_rows_of(initech) == public_before
    assert not schema_exists("initech__before_restore")

    copy = restore_tenant(backup=backup, target_slug="initech-copy")
    assert rows_of(copy) == before and copy.schema_name == "initech_copy"
    assert public_rows_of(copy, with_ids=False) == public_rows_of(initech, with_ids=False)
    assert public_rows_of(initech) == public_before  # the copy took new rows, the source kept its own

    events = OperationalEvent.objects.filter(
        id__gt=first_event, action__in=["backup.taken", "backup.restored"]
    ).order_by("id")
    assert [(e.action, e.target_id, e.tenant_id, e.actor_email) for e in events] == [
        ("backup.taken", str(backup.pk), initech.pk, "ops@alquimista.test"),
        ("backup.taken", str(full.pk), None, ""),
        ("backup.restored", str(backup.pk), initech.pk, "ops@alquimista.test"),
        ("backup.restored", str(backup.pk), copy.pk, ""),
    ]
    assert events[2].after["public_rows"] == {
        "usage.usagedaily": len(public_before["usage"]),
        "operations.incident": len(public_before["incidents"]),
    }


def test_a_restore_that_fails_leaves_the_current_schema_and_rows_as_they_were(
    initech_with_public_rows, tmp_path, settings
):
    settings.BACKUP_DIR = str(tmp_path)
    initech = initech_with_public_rows
    backup = backup_tenant(tenant=initech)
    with tenant_context(initech), connection.cursor() as cursor:
        cursor.execute("DELETE FROM usage_agentrequest")  # what happened since the backup: kept by a failed restore
    now, public_now = rows_of(initech), public_rows_of(initech)
    dump = Path(backup.location)
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])  # a damaged backup file

    with pytest.raises(ValidationError, match="pg_restore failed"):
        restore_tenant(backup=backup)

    assert rows_of(initech) == now and public_rows_of(initech) == public_now
    assert not schema_exists("initech__before_restore")
    assert not OperationalEvent.objects.filter(action="backup.restored", target_id=str(backup.pk)).exists()

    with pytest.raises(ValidationError, match="pg_restore failed"):
        restore_tenant(backup=backup, target_slug="initech-copy")
    assert not Tenant.objects.filter(slug="initech-copy").exists() and not schema_exists("initech_copy")


def test_a_restore_into_a_new_slug_that_fails_at_the_last_step_leaves_nothing(
    initech_with_public_rows, tmp_path, settings, monkeypatch
):
    settings.BACKUP_DIR = str(tmp_path)
    backup = backup_tenant(tenant=initech_with_public_rows)
    original = backups._restore_schema

    def fail_after_restoring_into_the_main_database(dump, schema, env_args):
        original(dump, schema, env_args)
        if schema == "initech_copy" and env_args[1]["PGDATABASE"] == connection.settings_dict["NAME"]:
            raise ValidationError({"backup": "injected failure after pg_restore"})

    monkeypatch.setattr(backups, "_restore_schema", fail_after_restoring_into_the_main_database)
    with pytest.raises(ValidationError, match="injected"):
        restore_tenant(backup=backup, target_slug="initech-copy")

    assert not schema_exists("initech_copy")
    assert not Tenant.objects.filter(slug="initech-copy").exists()
    assert not Domain.objects.filter(domain__startswith="initech-copy.").exists()
    assert UsageDaily.objects.filter(tenant__slug="initech-copy").count() == 0


@pytest.mark.django_db
def test_restore_refuses_a_full_backup_and_a_slug_that_is_not_a_string():
    # (This file also needs one test on the `db` fixture: pytest-django creates the test database only then.)
    full = Backup.objects.create(kind=Backup.Kind.FULL, location="/nowhere/full.dump")
    tenant_backup = Backup.objects.create(kind=Backup.Kind.TENANT, tenant_slug="initech", location="/nowhere/t.dump")
    with pytest.raises(ValidationError) as error:
        restore_tenant(backup=full)
    assert set(error.value.message_dict) == {"backup"}
    with pytest.raises(ValidationError) as error:
        restore_tenant(backup=tenant_backup, target_slug=["initech-copy"])
    assert set(error.value.message_dict) == {"slug"}


@pytest.fixture
def disposable_tenant(transactional_db_free):
    """A tenant provisioned for real (committed): pg_dump only sees committed schemas. Removed afterwards."""

    run = provisioning_run(
        provisioning_request(
            slug="doomed",
            name="Doomed Inc",
            plan_code="starter",
            owner_name="Dee",
            owner_email="dee@doomed.test",
            start=False,
        ).pk
    )
    assert run.status == "succeeded", run.error
    yield Tenant.objects.get(slug="doomed")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS doomed CASCADE")
    for meta in get_secret_store().list(tags={"tenant": "doomed"}):
        get_secret_store().delete(meta.name)
    Backup.objects.filter(tenant_slug="doomed").delete()
    Tenant.objects.filter(slug="doomed").delete()
    User.objects.filter(email="dee@doomed.test").delete()
    ProvisioningRun.objects.filter(slug="doomed").delete()


def test_archive_takes_a_final_backup_then_drops_the_schema_and_is_audited(disposable_tenant, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path)
    admin = User.objects.get(email="admin@alquimista.test")
    with tenant_context(disposable_tenant):
        Integration.objects.create(kind="webhook", name="last-words", status="disabled")
    first_event = OperationalEvent.objects.order_by("-id").values_list("id", flat=True).first()

    archived = tenant_archive(tenant=disposable_tenant, actor=admin)

    assert archived.status == "archived" and Tenant.objects.get(slug="doomed").status == "archived"
    assert not schema_exists("doomed")
    backup = Backup.objects.get(tenant_slug="doomed")
    assert backup.kind == "tenant" and backup.verified and Path(backup.location).is_file()
    events = OperationalEvent.objects.filter(id__gt=first_event).order_by("id")
    assert [(e.action, e.target_id, e.tenant_id, e.actor_email) for e in events] == [
        ("backup.taken", str(backup.pk), archived.pk, "admin@alquimista.test"),
        ("tenant.archived", str(archived.pk), archived.pk, "admin@alquimista.test"),
    ]
    assert events[1].before == {"status": "active"}
    assert events[1].after == {"status": "archived", "backup": backup.location}

    restored = restore_tenant(backup=backup)  # the final backup holds the data
    assert restored.status == "active"
    with tenant_context(restored):
        assert list(Integration.objects.values_list("name", flat=True)) == ["last-words"]


@pytest.mark.django_db
def test_restore_refuses_to_run_inside_a_transaction_rather_than_hang(tmp_path):
    dump = tmp_path / "initech.dump"
    dump.write_bytes(b"PGDMP")
    rows = [{"model": "tenants.tenant", "pk": 1, "fields": {"schema_name": "initech"}}]
    dump.with_suffix(".json").write_text(json.dumps(rows))
    backup = Backup.objects.create(kind=Backup.Kind.TENANT, tenant_slug="initech", location=str(dump))
    with pytest.raises(RuntimeError, match="inside a transaction"):
        restore_tenant(backup=backup)
    assert schema_exists("initech") and not schema_exists("initech__before_restore")
