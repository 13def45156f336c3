"""Plans and tenants for tests, plus the base every tenant-schema factory builds on.

Most tests need no tenant of their own: the session's demo tenants (acme, globex, initech; the
`acme` and `globex` fixtures) are committed once and shared. When a test needs a tenant whose
schema starts empty, `TenantFactory` creates one with `tenant_create` (row, domain and schema,
rolled back with the test; about a schema clone's cost each). `TenantRowFactory` makes the row only,
no schema: enough for public rows that merely point at a tenant (usage, incidents, commands).
"""

from decimal import Decimal

import factory
from django_tenants.utils import tenant_context

from tenants.models import Plan, Tenant
from tenants.services import tenant_create


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    monthly_price = Decimal("990.00")
    requests_per_month = 100_000
    tokens_per_month = 10_000_000
    max_agents = 5
    max_integrations = 5
    overage_price_per_1k_tokens = Decimal("0.0150")
    default_agents = factory.LazyFunction(list)


class TenantRowFactory(factory.django.DjangoModelFactory):
    """A tenant row without a schema: never use it where tenant-schema tables are read or written."""

    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"row-tenant-{n}")
    schema_name = factory.LazyAttribute(lambda tenant: tenant.slug.replace("-", "_"))
    name = factory.Sequence(lambda n: f"Row Tenant {n}")
    status = Tenant.Status.ACTIVE
    plan = factory.SubFactory(PlanFactory)


class TenantFactory(factory.Factory):
    """A real tenant through `tenant_create`: row, primary domain and an empty, migrated schema."""

    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"factory-co-{n}")
    name = factory.Sequence(lambda n: f"Factory Co {n}")
    plan = factory.SubFactory(PlanFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return tenant_create(*args, **kwargs)


class InTenantSchemaFactory(factory.django.DjangoModelFactory):
    """Base for models whose table lives in a tenant schema: `XFactory(tenant=acme, ...)`.

    The row is written inside `tenant_context(tenant)`; sub-factories are evaluated before that, in
    the caller's schema, so call these from the public schema (the tests' default).
    """

    class Meta:
        abstract = True

    tenant = None

    @classmethod
    def _create(cls, model_class, *args, tenant=None, **kwargs):
        if tenant is None:
            raise TypeError(f"{cls.__name__} needs tenant=: its table lives in a tenant schema")
        with tenant_context(tenant):
            return super()._create(model_class, *args, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, tenant=None, **kwargs):
        return super()._build(model_class, *args, **kwargs)
