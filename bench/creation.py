"""Seconds to create one tenant by cloning and by migrations, and a full provisioning run, as schemas grow."""

import statistics
import time

from django.db import connection
from django.test import override_settings

from accounts.models import User
from tenants.models import Plan, Tenant
from tenants.provisioning import provisioning_request, provisioning_run, secret_names
from tenants.services import tenant_create
from vault import get_secret_store

# The provisioning steps the goal "schema, seed, secrets under 1 s" is about; the others are reported apart.
CORE_STEPS = ("schema", "seed", "secrets")


def _drop(tenant: Tenant) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(tenant.schema_name)} CASCADE")
    Tenant.objects.filter(pk=tenant.pk).delete()
    connection.close()  # each creation on a fresh connection, as each provisioning task has


def _once(slug: str, clone: bool) -> float:
    plan = Plan.objects.get(code="starter")
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=clone):
        started = time.perf_counter()
        tenant = tenant_create(slug=slug, name=slug, plan=plan)
        elapsed = time.perf_counter() - started
    _drop(tenant)
    return elapsed


def _provision_once(slug: str, requester: User) -> dict:
    """A real provisioning run, as the panel starts it, timed step by step; then everything it made is removed."""
    run = provisioning_request(
        slug=slug,
        name=slug,
        plan_code="growth",
        owner_name="Bench Owner",
        owner_email=f"owner@{slug}.test",
        requested_by=requester,
        start=False,
    )
    started = time.perf_counter()
    run = provisioning_run(run.pk)
    total = time.perf_counter() - started
    if run.status != "succeeded":
        raise RuntimeError(f"provisioning {slug} failed at {run.failed_step}: {run.error}")
    steps = {step["name"]: step["seconds"] for step in run.steps}
    store = get_secret_store()
    for name in secret_names(slug).values():
        store.delete(name)
    User.objects.filter(email=f"owner@{slug}.test").delete()
    _drop(run.tenant)
    return {"total": total, "core": sum(steps[name] for name in CORE_STEPS), "steps": steps}


def creation_at(existing: int, requester: User) -> dict:
    clone = sorted(_once(f"probe-clone-{existing}-{i}", True) for i in range(3))[1]
    migrate = _once(f"probe-migrate-{existing}", False)
    runs = [_provision_once(f"probe-prov-{existing}-{i}", requester) for i in range(3)]
    middle = sorted(runs, key=lambda run: run["total"])[1]
    return {
        "existing_tenants": existing,
        "clone_seconds": round(clone, 3),
        "migrate_seconds": round(migrate, 3),
        "provision_core_seconds": round(statistics.median(run["core"] for run in runs), 3),
        "provision_total_seconds": round(middle["total"], 3),
        "provision_steps": middle["steps"],
    }
