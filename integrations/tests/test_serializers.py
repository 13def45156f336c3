"""An integration's credential never leaves the server: not its value, not its name in the store."""

import json

import pytest
from django_tenants.utils import tenant_context

from integrations.models import Integration
from integrations.serializers import IntegrationSerializer
from integrations.tests.factories import IntegrationFactory
from tenants.tests.factories import TenantFactory
from usage.demo import TENANT_SHAPES
from vault import get_secret_store

pytestmark = pytest.mark.django_db
TOKEN = "tok-5b7e2d90-never-shown"
SECRET_REF = "tenant/factory/integration/hidden-sales-line"
SHOWN = {"id", "kind", "name", "status", "last_check_at", "last_error", "token_version", "consecutive_auth_failures"}


def test_serialized_integration_has_health_fields_only():
    integration = IntegrationFactory(
        tenant=TenantFactory(),
        kind=Integration.Kind.WHATSAPP,
        name="Sales line",
        secret_ref=SECRET_REF,
        secret=TOKEN,
        config={"phone_number_id": "5511999990000"},
        token_version=3,
    )

    data = IntegrationSerializer(integration).data

    assert set(data) == SHOWN
    assert data["kind"] == "whatsapp"
    assert data["token_version"] == 3
    rendered = json.dumps(data, default=str)
    assert TOKEN not in rendered
    assert SECRET_REF not in rendered
    assert get_secret_store().get(SECRET_REF).reveal() == TOKEN  # it is stored, just not shown


def test_integrations_api_shows_no_secret_of_any_integration(acme, client_for):
    IntegrationFactory(tenant=acme, kind=Integration.Kind.EMAIL, name="Hidden", secret_ref=SECRET_REF, secret=TOKEN)
    with tenant_context(acme):
        refs = list(Integration.objects.values_list("secret_ref", flat=True))
    store = get_secret_store()
    secrets = [store.get(ref).reveal() for ref in refs]

    response = client_for(acme, "admin@acme.test").get("/api/tenant/integrations")

    assert response.status_code == 200
    listed = response.json()["results"]
    assert sorted((row["kind"], row["name"]) for row in listed) == sorted(
        [*TENANT_SHAPES["acme"][2], ("email", "Hidden")]
    )
    assert all(set(row) == SHOWN for row in listed)
    body = response.content.decode()
    assert len(refs) == len(listed)
    for value in [*refs, *secrets]:
        assert value not in body
