"""The lifecycle's management commands call the same services as the panel and the API."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import tenant_context

from audit.models import OperationalEvent
from integrations.models import Integration
from tenants.models import Backup, ProvisioningRun, SecretRotation, Tenant
from tenants.provisioning import provisioning_request, provisioning_run, secret_names
from vault import get_secret_store


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_provision_tenant_runs_every_step_and_keeps_the_handover_contacts():
    output = run_command(
        "provision_tenant",
        "--slug=hooli",
        "--name=Hooli",
        "--plan=starter",
        "--owner-name=Gavin Belson",
        "--owner-email=gavin@hooli.test",
        "--contact=Jared Dunn, jared@hooli.test, finance",
        "--contact=Big Head, bighead@hooli.test",
    )

    assert output.strip().endswith("hooli is active.")
    assert output.count("    done  ") == 9
    tenant = Tenant.objects.get(slug="hooli")
    assert tenant.status == "active"
    assert tenant.settings["contacts"] == [
        {"name": "Jared Dunn", "email": "jared@hooli.test", "role": "finance"},
        {"name": "Big Head", "email": "bighead@hooli.test", "role": ""},
    ]


@pytest.mark.django_db
def test_provision_tenant_refuses_a_malformed_contact_and_creates_nothing():
    with pytest.raises(CommandError, match="contacts: Contact 2: enter a valid e-mail address"):
        run_command(
            "provision_tenant",
            "--slug=hooli",
            "--name=Hooli",
            "--plan=starter",
            "--owner-name=Gavin",
            "--owner-email=gavin@hooli.test",
            "--contact=Jared, jared@hooli.test",
            "--contact=Erlich, not-an-address",
        )
    assert not ProvisioningRun.objects.filter(slug="hooli").exists()


@pytest.mark.django_db
def test_rotate_credentials_rotates_the_platform_keys_or_one_named_secret():
    tenant = provisioning_run(
        provisioning_request(
            slug="hooli",
            name="Hooli",
            plan_code="starter",
            owner_name="Gavin",
            owner_email="gavin@hooli.test",
            start=False,
        ).pk
    ).tenant
    names = secret_names("hooli")

    output = run_command("rotate_credentials", "hooli")

    assert output.splitlines() == [f"{names['jwt']} rotated to version 2", f"{names['webhook']} rotated to version 2"]
    versions = {meta.name: meta.version for meta in get_secret_store().list(tags={"tenant": "hooli"})}
    assert versions == {names["jwt"]: 2, names["webhook"]: 2, names["owner_password"]: 1}

    assert run_command("rotate_credentials", "hooli", "--secret", names["owner_password"]).strip() == (
        f"{names['owner_password']} rotated to version 2"
    )
    assert sorted(
        SecretRotation.objects.filter(tenant=tenant).values_list("secret_name", "version", "requested_by")
    ) == [
        (names["jwt"], 2, "manage.py rotate_credentials"),
        (names["owner_password"], 2, "manage.py rotate_credentials"),
        (names["webhook"], 2, "manage.py rotate_credentials"),
    ]
    assert OperationalEvent.objects.filter(tenant=tenant, action="tenant.secret_rotated").count() == 3

    with pytest.raises(CommandError, match="No tenant with slug 'nobody'"):
        run_command("rotate_credentials", "nobody")
    with pytest.raises(CommandError, match="secret: “tenant/acme/jwt-signing-key” is not a secret of hooli"):
        run_command("rotate_credentials", "hooli", "--secret", "tenant/acme/jwt-signing-key")


@pytest.fixture
def backups_cleaned(transactional_db_free, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path)
    before = set(Backup.objects.values_list("pk", flat=True))
    yield tmp_path
    Backup.objects.exclude(pk__in=before).delete()


def test_backup_tenant_command_takes_a_verified_audited_backup(backups_cleaned):
    output = run_command("backup_tenant", "initech")

    backup = Backup.objects.get(tenant_slug="initech")
    assert output.strip() == f"backup {backup.pk}: {backup.location}  {backup.size_bytes} bytes, verified"
    assert backup.verified and Path(backup.location).stat().st_size == backup.size_bytes
    assert Path(backup.location).with_suffix(".json").is_file()
    event = OperationalEvent.objects.get(action="backup.taken", target_id=str(backup.pk))
    assert event.actor_email == "manage.py backup_tenant" and event.tenant.slug == "initech"
    with pytest.raises(CommandError, match="No tenant with slug 'nobody'"):
        run_command("backup_tenant", "nobody")


def test_backup_all_command_dumps_the_whole_database(backups_cleaned):
    output = run_command("backup_all")

    backup = Backup.objects.get(kind="full", location__startswith=str(backups_cleaned))
    assert output.strip() == f"{backup.location}  {backup.size_bytes} bytes, {backup.entries} entries, verified"
    assert backup.verified and backup.entries > 100 and Path(backup.location).stat().st_size == backup.size_bytes
    event = OperationalEvent.objects.get(action="backup.taken", target_id=str(backup.pk))
    assert event.actor_email == "manage.py backup_all" and event.tenant is None


def test_restore_tenant_command_puts_the_rows_back(backups_cleaned):
    initech = Tenant.objects.get(slug="initech")
    with tenant_context(initech):
        names = sorted(Integration.objects.values_list("name", flat=True))
    run_command("backup_tenant", "initech")
    backup = Backup.objects.get(tenant_slug="initech")
    with tenant_context(initech), connection.cursor() as cursor:
        cursor.execute("DELETE FROM integrations_integration")

    assert run_command("restore_tenant", str(backup.pk)).strip() == "restored into initech"

    with tenant_context(initech):
        assert sorted(Integration.objects.values_list("name", flat=True)) == names and names
    event = OperationalEvent.objects.get(action="backup.restored", target_id=str(backup.pk))
    assert event.actor_email == "manage.py restore_tenant" and event.after["into"] == "initech"
    with pytest.raises(CommandError, match="No tenant backup 999999"):
        run_command("restore_tenant", "999999")
