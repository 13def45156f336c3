"""Isolation audit: every tenant's tables resolve to its own schema, and none leak into public."""

import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context

from core.routers import PUBLIC_MODELS_OF_SPLIT_APPS
from integrations.models import Integration
from tenants.models import Tenant


@dataclass
class IsolationReport:
    tenant: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def tenant_tables() -> list[str]:
    """Tables that must exist only in tenant schemas."""

    tables = []
    for label in settings.TENANT_APPS:
        app = apps.get_app_config(label.rsplit(".", 1)[-1])
        if label in settings.SHARED_APPS and app.label not in PUBLIC_MODELS_OF_SPLIT_APPS:
            continue  # shared by design (e.g. contenttypes)
        for model in app.get_models():
            if model._meta.model_name not in PUBLIC_MODELS_OF_SPLIT_APPS.get(app.label, set()):
                tables.append(model._meta.db_table)
    return sorted(tables)


def audit_tenant(tenant: Tenant) -> IsolationReport:
    report = IsolationReport(tenant=tenant.slug)
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        current = cursor.fetchone()[0]
        if current != tenant.schema_name:
            report.problems.append(f"search path resolves to {current!r}, not {tenant.schema_name!r}")
        for table in tenant_tables():
            cursor.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
                [table],
            )
            row = cursor.fetchone()
            if row is None:
                report.problems.append(f"{table} is missing")
            elif row[0] != tenant.schema_name:
                report.problems.append(f"{table} resolves to schema {row[0]!r}")
    return report


def audit_public() -> IsolationReport:
    """Tenant tables in the public schema would be visible to every tenant."""
    report = IsolationReport(tenant=get_public_schema_name())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
            [get_public_schema_name(), tenant_tables()],
        )
        report.problems += [f"tenant table {name} exists in public" for (name,) in cursor.fetchall()]
    return report


def audit_all() -> list[IsolationReport]:
    tenants = Tenant.objects.with_schema()
    return [audit_public(), *(audit_tenant(tenant) for tenant in tenants)]


def marker_invisible_elsewhere(tenant: Tenant) -> list[str]:
    """Write a marker row in `tenant`, look for it from every other tenant, remove it. Returns leaks."""

    marker = f"isolation-{uuid.uuid4().hex}"
    leaks = []
    with tenant_context(tenant):
        created = Integration.objects.create(kind="webhook", name=marker, status="disabled")
    try:
        for other in Tenant.objects.with_schema().exclude(pk=tenant.pk):
            with tenant_context(other):
                if Integration.objects.filter(name=marker).exists():
                    leaks.append(f"a row of {tenant.slug} is visible from {other.slug}")
    finally:
        with tenant_context(tenant):
            Integration.objects.filter(pk=created.pk).delete()
    return leaks
