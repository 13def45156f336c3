"""Backups with pg_dump (custom format), verified with pg_restore --list, kept locally or in S3.

Whole database nightly (beat) and per tenant on demand (its schema plus its public rows).
Restore puts a tenant back under its slug, or under a new slug by renaming the schema in a
scratch database first (pg_restore cannot rename a schema on the way in).
"""

import glob
import json
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

import boto3
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from accounts.models import Membership, User
from audit.services import event_record
from core.hosts import tenant_host
from tenants.models import Backup, Domain, Plan, Tenant
from tenants.validation import schema_name_for, validate_slug


def pg_tool(name: str) -> str:
    if settings.PG_BIN_DIR:
        return str(Path(settings.PG_BIN_DIR) / name)
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[-3]))
    return found[-1] if found else (shutil.which(name) or name)


def _db_args(dbname: str | None = None) -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db["HOST"] or "localhost"), "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return args, env | {"PGDATABASE": dbname or db["NAME"]}


def _run(args: list[str], env: dict) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise ValidationError({"backup": f"{Path(args[0]).name} failed: {result.stderr.strip()[-500:]}"})
    return result.stdout


def _verify(path: Path) -> int:
    args, env = _db_args()
    listing = _run([pg_tool("pg_restore"), "--list", str(path)], env)
    return sum(1 for line in listing.splitlines() if line and not line.startswith(";"))


def _s3():
    return boto3.client("s3", region_name=settings.AWS_REGION, endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None)


def _store(local: Path, key: str) -> str:
    """Keep the file under BACKUP_DIR, or upload it to BACKUP_S3_BUCKET; returns its location."""
    if settings.BACKUP_S3_BUCKET:
        _s3().upload_file(str(local), settings.BACKUP_S3_BUCKET, key)
        return f"s3://{settings.BACKUP_S3_BUCKET}/{key}"
    target = Path(settings.BACKUP_DIR) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(local), target)
    return str(target)


def _fetch(location: str, into: Path) -> Path:
    if location.startswith("s3://"):
        bucket, key = location[5:].split("/", 1)
        try:
            _s3().download_file(bucket, key, str(into))
        except Exception as exc:
            raise ValidationError({"backup": f"{location} cannot be read ({type(exc).__name__})."}) from None
        return into
    if not Path(location).is_file():
        raise ValidationError({"backup": f"{location} is missing."})
    return Path(location)


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%S%f")


def backup_all(*, actor=None, actor_email: str = "", request=None) -> Backup:
    """pg_dump of the whole database, verified, recorded and audited; expired backups are removed."""
    args, env = _db_args()
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "full.dump"
        _run([pg_tool("pg_dump"), *args, "-Fc", "-f", str(dump)], env)
        entries, size = _verify(dump), dump.stat().st_size
        location = _store(dump, f"full/{_stamp()}.dump")
    with transaction.atomic():
        backup = Backup.objects.create(
            kind=Backup.Kind.FULL, location=location, size_bytes=size, verified=True, entries=entries
        )
        _backup_event(backup, actor=actor, actor_email=actor_email, request=request)
    backups_expire()
    return backup


def _backup_event(backup: Backup, *, actor, actor_email: str, request) -> None:
    event_record(
        action="backup.taken",
        actor=actor,
        actor_email=actor_email,
        tenant=backup.tenant,
        target_type="backup",
        target_id=backup.pk,
        after={
            "kind": backup.kind,
            "location": backup.location,
            "size_bytes": backup.size_bytes,
            "entries": backup.entries,
        },
        request=request,
    )


def _public_rows(tenant: Tenant) -> str:
    objects = [
        tenant,
        *Domain.objects.filter(tenant=tenant),
        *Membership.objects.filter(tenant=tenant),
        *(row for label in RESTORED_PUBLIC_MODELS for row in apps.get_model(label).objects.filter(tenant=tenant)),
    ]
    return serializers.serialize("json", objects, cls=_ExactJSONEncoder)


class _ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds; a restore must give back the exact values."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def backup_tenant(*, tenant: Tenant, actor=None, actor_email: str = "", request=None) -> Backup:
    """The tenant's schema (pg_dump -n) and its public rows (JSON), both under one stamp; audited."""
    args, env = _db_args()
    stamp = _stamp()
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "tenant.dump"
        _run([pg_tool("pg_dump"), *args, "-Fc", "-n", tenant.schema_name, "-f", str(dump)], env)
        entries, size = _verify(dump), dump.stat().st_size
        rows = Path(scratch) / "public.json"
        rows.write_text(_public_rows(tenant))
        location = _store(dump, f"tenants/{tenant.slug}/{stamp}.dump")
        _store(rows, f"tenants/{tenant.slug}/{stamp}.json")
    with transaction.atomic():
        backup = Backup.objects.create(
            kind=Backup.Kind.TENANT,
            tenant=tenant,
            tenant_slug=tenant.slug,
            location=location,
            size_bytes=size,
            verified=True,
            entries=entries,
        )
        _backup_event(backup, actor=actor, actor_email=actor_email, request=request)
    return backup


def backups_expire(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.BACKUP_RETENTION_DAYS)
    expired = list(Backup.objects.filter(created_at__lt=cutoff))
    for backup in expired:
        if backup.location.startswith("s3://"):
            bucket, key = backup.location[5:].split("/", 1)
            _s3().delete_object(Bucket=bucket, Key=key)
            _s3().delete_object(Bucket=bucket, Key=key.removesuffix(".dump") + ".json")  # a tenant backup's public rows
        else:
            Path(backup.location).unlink(missing_ok=True)
            Path(backup.location).with_suffix(".json").unlink(missing_ok=True)
        backup.delete()
    return len(expired)


def _restore_schema(dump: Path, schema: str, env_args) -> None:
    """pg_restore -n leaves out the CREATE SCHEMA itself: create it, then restore into it."""
    args, env = env_args
    _run([pg_tool("psql"), *args, "-v", "ON_ERROR_STOP=1", "-c", f'CREATE SCHEMA "{schema}"'], env)
    _run(
        [
            pg_tool("pg_restore"),
            *args,
            "-d",
            env["PGDATABASE"],
            "--no-owner",
            "--exit-on-error",
            "-n",
            schema,
            str(dump),
        ],
        env,
    )


def _public_tables_referenced() -> list[str]:
    """Public tables that tenant tables point at (foreign keys), read off the template schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT rc.relname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "JOIN pg_class rc ON rc.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
            "WHERE n.nspname = %s AND c.contype = 'f' AND rn.nspname = 'public' ORDER BY 1",
            [settings.TENANT_BASE_SCHEMA],
        )
        return [name for (name,) in cursor.fetchall()]


def _schema_replace(dump: Path, schema: str) -> None:
    """Restore `schema` from `dump` so that a failure leaves the current schema as it was.

    The current schema is renamed aside, the dump restored under the real name; on success the
    old one is dropped, on failure the half-restored one is dropped and the old one renamed back.
    """

    quote = connection.ops.quote_name
    aside = f"{schema}__before_restore"
    if schema_exists(aside):
        raise ValidationError(
            {"backup": f"Schema {aside} is left from an earlier restore; check it and drop or rename it back first."}
        )
    had_schema = schema_exists(schema)
    if had_schema:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SCHEMA {quote(schema)} RENAME TO {quote(aside)}")
    try:
        _restore_schema(dump, schema, _db_args())
    except BaseException:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
            if had_schema:
                cursor.execute(f"ALTER SCHEMA {quote(aside)} RENAME TO {quote(schema)}")
        raise
    if had_schema:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {quote(aside)} CASCADE")


# Public rows of a tenant backup that a restore puts back. Memberships and domains are left as they are:
# who may use a tenant is decided now, not by an old backup (and a copy under a new slug starts with none).
RESTORED_PUBLIC_MODELS = ("usage.usagedaily", "operations.incident")


def _public_rows_restore(rows: list[dict], tenant: Tenant, *, copy: bool) -> dict[str, int]:
    """The backup's usage roll-ups and incidents: replacing the tenant's own, or copied onto a new tenant."""

    user_ids = set(User.objects.values_list("pk", flat=True))
    restored = {}
    for label in RESTORED_PUBLIC_MODELS:
        model = apps.get_model(label)
        data = [row for row in rows if row["model"] == label]
        if not copy:
            model.objects.filter(tenant=tenant).delete()
        for item in serializers.deserialize("json", json.dumps(data)):
            row = item.object
            row.tenant_id = tenant.pk
            if copy:
                row.pk = None
            for field in ("acknowledged_by_id", "resolved_by_id"):  # an incident's users may be gone since
                if getattr(row, field, None) is not None and getattr(row, field) not in user_ids:
                    setattr(row, field, None)
            row.save_base(raw=True)  # raw: keeps opened_at and the other stamps as they were
        restored[label] = len(data)
    return restored


def restore_tenant(
    *, backup: Backup, target_slug: str | None = None, actor=None, actor_email: str = "", request=None
) -> Tenant:
    """Restore a tenant backup into its own tenant (schema replaced) or into a new tenant `target_slug`; audited.

    A failed restore changes nothing: the tenant's current schema stays as it was, and a restore
    into a new slug leaves no schema, tenant or domain behind.
    """

    if backup.kind != Backup.Kind.TENANT:
        raise ValidationError({"backup": "Choose a tenant backup."})
    if target_slug is not None and not isinstance(target_slug, str):
        raise ValidationError({"slug": "A slug is a string."})
    with tempfile.TemporaryDirectory() as scratch:
        dump = _fetch(backup.location, Path(scratch) / "tenant.dump")
        rows_location = backup.location[: -len(".dump")] + ".json"
        rows = json.loads(_fetch(rows_location, Path(scratch) / "public.json").read_text())
        source = next(row for row in rows if row["model"] == "tenants.tenant")
        source_schema = source["fields"]["schema_name"]
        if connection.in_atomic_block:
            # pg_restore works in its own session: it would wait forever on this transaction's schema locks.
            raise RuntimeError("restore_tenant must not run inside a transaction.")
        if target_slug is None or target_slug == backup.tenant_slug:
            tenant = Tenant.objects.filter(slug=backup.tenant_slug).first()
            if tenant is None or tenant.schema_name != source_schema:
                raise ValidationError({"backup": f"Tenant “{backup.tenant_slug}” is gone: restore under a new slug."})
            _schema_replace(dump, source_schema)
            with transaction.atomic():
                restored = _public_rows_restore(rows, tenant, copy=False)
                before = tenant.status
                if tenant.status == Tenant.Status.ARCHIVED:
                    tenant.status = Tenant.Status.ACTIVE
                    tenant.save(update_fields=["status"])
                _restore_event(backup, tenant, before, restored, actor=actor, actor_email=actor_email, request=request)
            return tenant
        validate_slug(target_slug)
        if Tenant.objects.filter(slug=target_slug).exists():
            raise ValidationError({"slug": f"A tenant with slug “{target_slug}” already exists."})
        target_schema = schema_name_for(target_slug)
        if schema_exists(target_schema):
            raise ValidationError({"slug": f"Schema {target_schema} already exists; choose another slug."})
        renamed = Path(scratch) / "renamed.dump"
        scratch_db = f"restore_{_stamp()}"
        admin_args, admin_env = _db_args("postgres")
        _run([pg_tool("psql"), *admin_args, "-c", f'CREATE DATABASE "{scratch_db}"'], admin_env)
        try:
            scratch_args = _db_args(scratch_db)
            # The tenant's foreign keys point into public: give the scratch database those tables first.
            referenced = Path(scratch) / "referenced.dump"
            main_args, main_env = _db_args()
            tables = [arg for name in _public_tables_referenced() for arg in ("-t", f"public.{name}")]
            _run([pg_tool("pg_dump"), *main_args, "-Fc", *tables, "-f", str(referenced)], main_env)
            _run(
                [
                    pg_tool("pg_restore"),
                    *scratch_args[0],
                    "-d",
                    scratch_db,
                    "--no-owner",
                    "--exit-on-error",
                    str(referenced),
                ],
                scratch_args[1],
            )
            _restore_schema(dump, source_schema, scratch_args)
            _run(
                [
                    pg_tool("psql"),
                    *scratch_args[0],
                    "-c",
                    f'ALTER SCHEMA "{source_schema}" RENAME TO "{target_schema}"',
                ],
                scratch_args[1],
            )
            _run(
                [pg_tool("pg_dump"), *scratch_args[0], "-Fc", "-n", target_schema, "-f", str(renamed)], scratch_args[1]
            )
        finally:
            # Not WITH (FORCE): an autovacuum worker on the fresh database cannot be terminated by this role.
            _run([pg_tool("psql"), *admin_args, "-c", f'DROP DATABASE IF EXISTS "{scratch_db}"'], admin_env)
        try:
            with transaction.atomic():
                fields = source["fields"]
                tenant = Tenant.objects.create(
                    schema_name=target_schema,
                    slug=target_slug,
                    name=f"{fields['name']} (restored)",
                    plan=Plan.objects.filter(pk=fields["plan"]).first(),
                    settings=fields["settings"],
                    status=Tenant.Status.ACTIVE,
                    owner_name=fields["owner_name"],
                    owner_email=fields["owner_email"],
                    owner_squad=fields["owner_squad"],
                    sla=fields["sla"],
                )
                Domain.objects.create(domain=tenant_host(target_slug), tenant=tenant, is_primary=True)
                restored = _public_rows_restore(rows, tenant, copy=True)
                _restore_schema(renamed, target_schema, _db_args())
                _restore_event(backup, tenant, None, restored, actor=actor, actor_email=actor_email, request=request)
        except BaseException:
            # pg_restore ran in its own session: its schema outlives this transaction's rollback.
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(target_schema)} CASCADE")
            raise
        return tenant


def _restore_event(backup: Backup, tenant: Tenant, before, restored: dict, *, actor, actor_email: str, request) -> None:
    event_record(
        action="backup.restored",
        actor=actor,
        actor_email=actor_email,
        tenant=tenant,
        target_type="backup",
        target_id=backup.pk,
        before={"status": before} if before else None,
        after={"into": tenant.slug, "from": backup.tenant_slug, "location": backup.location, "public_rows": restored},
        request=request,
    )
