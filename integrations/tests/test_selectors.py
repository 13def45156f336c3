"""integrations.selectors.tenant_integrations: one tenant's integrations, in its schema, filtered."""

import pytest
from django.db import connection

from integrations.models import Integration
from integrations.selectors import tenant_integrations
from integrations.tests.factories import IntegrationFactory
from tenants.tests.factories import TenantFactory
from usage.demo import TENANT_SHAPES

pytestmark = pytest.mark.django_db
Kind, Status = Integration.Kind, Integration.Status


@pytest.fixture
def tenant(db):
    return TenantFactory()


@pytest.fixture
def cast(tenant):
    """Integrations of several kinds and states, keyed by name."""
    specs = [
        ("Support line", Kind.WHATSAPP, Status.OK),
        ("Sales line", Kind.WHATSAPP, Status.REAUTH_REQUIRED),
        ("Inbox", Kind.EMAIL, Status.DEGRADED),
        ("Helpdesk", Kind.EMAIL, Status.OK),
        ("Pipedrive", Kind.CRM, Status.DOWN),
        ("Team calendar", Kind.CALENDAR, Status.OK),
        ("Old hook", Kind.WEBHOOK, Status.DISABLED),
    ]
    return {
        name: IntegrationFactory(tenant=tenant, name=name, kind=kind, status=status) for name, kind, status in specs
    }


def test_a_new_tenant_has_no_integrations(tenant):
    assert tenant_integrations(tenant=tenant) == []


def test_ordered_by_kind_then_name(tenant, cast):
    expected = sorted(cast.values(), key=lambda integration: (integration.kind, integration.name))

    assert [integration.pk for integration in tenant_integrations(tenant=tenant)] == [i.pk for i in expected]


@pytest.mark.parametrize("status", Status.values)
def test_status_filters(tenant, cast, status):
    expected = {integration.pk for integration in cast.values() if integration.status == status}

    assert {integration.pk for integration in tenant_integrations(tenant=tenant, status=status)} == expected


@pytest.mark.parametrize("kind", Kind.values)
def test_kind_filters(tenant, cast, kind):
    expected = {integration.pk for integration in cast.values() if integration.kind == kind}

    assert {integration.pk for integration in tenant_integrations(tenant=tenant, kind=kind)} == expected


def test_status_and_kind_filter_together(tenant, cast):
    listed = tenant_integrations(tenant=tenant, status=Status.OK, kind=Kind.WHATSAPP)

    assert [integration.pk for integration in listed] == [cast["Support line"].pk]
    assert tenant_integrations(tenant=tenant, status=Status.DOWN, kind=Kind.EMAIL) == []


def test_each_tenant_sees_only_its_own(tenant, cast):
    other = TenantFactory()
    theirs = IntegrationFactory(tenant=other, kind=Kind.EMAIL, name="Inbox")

    assert [integration.pk for integration in tenant_integrations(tenant=other)] == [theirs.pk]
    assert len(tenant_integrations(tenant=tenant)) == len(cast)
    assert connection.schema_name == "public"


def test_demo_tenant_lists_its_demo_integrations(acme):
    expected = sorted(TENANT_SHAPES["acme"][2])

    assert sorted((i.kind, i.name) for i in tenant_integrations(tenant=acme)) == expected


def test_one_query_however_many(tenant, cast, django_assert_num_queries):
    # Each call: django-tenants' `SET search_path` into the tenant's schema, then one SELECT.
    with django_assert_num_queries(2):
        tenant_integrations(tenant=tenant)
    IntegrationFactory.create_batch(5, tenant=tenant)
    with django_assert_num_queries(2) as captured:
        listed = tenant_integrations(tenant=tenant, kind=Kind.EMAIL)

    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["SET", "SELECT"]
    assert len(listed) == 2 + 5
