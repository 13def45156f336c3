"""Every page of the Django admin, for every registered model, as each staff role: an answer, never a 5xx.

A model registered later gets the same four pages checked; if the demo data has no row of it, add a
maker to ROW_MAKERS (the test says so).
"""

from datetime import date
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from agents.models import AgentType
from audit.services import event_record
from operations.models import Incident
from tenants.models import Tenant
from usage.latency import BUCKET_COUNT
from usage.models import UsageDaily
from vault import get_secret_store
from vault.models import SecretVersion

pytestmark = pytest.mark.django_db

STAFF = ["admin@alquimista.test", "support@alquimista.test"]
CLEAN = {200, 302, 403}
PUBLIC_URLS = "alquimista.urls_public"  # the admin is routed on the public host only
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _axes_fields():
    return {
        "user_agent": "pytest",
        "ip_address": "203.0.113.9",
        "username": "someone@example.test",
        "http_accept": "text/html",
        "path_info": "/login/",
    }


def _usage_row():
    acme = Tenant.objects.get(slug="acme")
    return UsageDaily.objects.create(
        tenant=acme,
        day=date(2020, 1, 1),
        agent_type=AgentType.objects.first(),
        requests=1,
        cost=Decimal("0.01"),
        latency_hist=[0] * BUCKET_COUNT,
        rolled_up_at=timezone.now(),
    )


def _secret_row():
    get_secret_store().put("smoke-test-secret", "value-123")
    return SecretVersion.objects.get(name="smoke-test-secret")


ROW_MAKERS = {
    "axes.AccessAttempt": lambda: AccessAttempt.objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    ),
    "axes.AccessLog": lambda: AccessLog.objects.create(**_axes_fields(), attempt_time=timezone.now()),
    "axes.AccessFailureLog": lambda: AccessFailureLog.objects.create(**_axes_fields(), locked_out=False),
    "audit.OperationalEvent": lambda: event_record(action="smoke.test", target_type="smoke", target_id=1),
    "operations.Incident": lambda: Incident.objects.create(
        tenant=Tenant.objects.get(slug="acme"), severity="warning", title="Smoke", source="manual", dedupe_key="smoke"
    ),
    "usage.UsageDaily": _usage_row,
    "vault.SecretVersion": _secret_row,
}


def _a_row(model):
    row = model._default_manager.order_by("pk").first()
    if row is not None:
        return row
    maker = ROW_MAKERS.get(model._meta.label)
    assert maker is not None, f"no {model._meta.label} row to open: add a maker to ROW_MAKERS"
    return maker()


def _pages(model, pk) -> dict[str, str]:
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return {
        "changelist": reverse(f"{prefix}_changelist", urlconf=PUBLIC_URLS),
        "add": reverse(f"{prefix}_add", urlconf=PUBLIC_URLS),
        "change": reverse(f"{prefix}_change", args=[pk], urlconf=PUBLIC_URLS),
        "delete": reverse(f"{prefix}_delete", args=[pk], urlconf=PUBLIC_URLS),
    }


@pytest.mark.parametrize("email", STAFF)
@pytest.mark.parametrize("model", MODELS, ids=[model._meta.label for model in MODELS])
def test_every_admin_page_answers_without_a_server_error(client_for, public_tenant, model, email):
    row = _a_row(model)
    client = client_for(public_tenant, email)

    answers = {name: client.get(url).status_code for name, url in _pages(model, row.pk).items()}

    assert {name: status for name, status in answers.items() if status not in CLEAN} == {}
