import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_exists

from tenants.models import Domain, Plan, Tenant
from tenants.services import template_schema_clone_enabled, tenant_create
from tenants.validation import validate_slug


def schema_shape(schema: str) -> dict:
    """Tables, columns, indexes, constraints and recorded migrations of a schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, regexp_replace(indexdef, '\\m' || %s || '\\.', '', 'g') FROM pg_indexes "
            "WHERE schemaname = %s ORDER BY 1, 2",
            [schema, schema],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 1, 2, 3",
            [schema],
        )
        # Definitions name the schema's own tables as "<schema>.table": compare them schema-free.
        constraints = [
            (table.split(".")[-1], kind, definition.replace(f"{schema}.", ""))
            for table, kind, definition in cursor.fetchall()
        ]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        migrations = cursor.fetchall()
    return {"columns": columns, "indexes": indexes, "constraints": sorted(constraints), "migrations": migrations}


@pytest.fixture
def plan(db):
    return Plan.objects.get(code="starter")


def test_clone_and_migrate_give_identical_schemas(plan):
    assert template_schema_clone_enabled(), "the template schema must exist, or this compares two migrations"
    cloned = tenant_create(slug="cloned-co", name="Cloned", plan=plan)
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        assert not template_schema_clone_enabled()
        migrated = tenant_create(slug="migrated-co", name="Migrated", plan=plan)

    cloned_shape, migrated_shape = schema_shape(cloned.schema_name), schema_shape(migrated.schema_name)
    assert cloned_shape["columns"], "a tenant schema must have tables"
    assert cloned_shape["migrations"], "a cloned schema must record its migrations as applied"
    assert cloned_shape == migrated_shape


def test_tenant_create_makes_row_domain_and_schema(plan):
    tenant = tenant_create(slug="new-co", name="New Co", plan=plan, owner_email="owner@new.test")

    assert tenant.schema_name == "new_co"
    assert schema_exists("new_co")
    assert list(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary")) == [
        ("new-co.localhost", True)
    ]
    assert tenant.status == Tenant.Status.ACTIVE


@pytest.mark.parametrize(
    "slug", ["www", "admin", "api", "public", "a", "Acme", "1acme", "acme-", "ac_me", "ac me", "a--b", "pg-x", "x" * 41]
)
def test_bad_or_reserved_slugs_are_refused_and_nothing_is_created(plan, slug):
    before = (Tenant.objects.count(), Domain.objects.count())

    with pytest.raises(ValidationError) as error:
        tenant_create(slug=slug, name="Bad", plan=plan)

    assert "slug" in error.value.message_dict
    assert (Tenant.objects.count(), Domain.objects.count()) == before


def test_duplicate_slug_is_a_field_error(plan):
    with pytest.raises(ValidationError) as error:
        tenant_create(slug="acme", name="Acme again", plan=plan)
    assert "already exists" in error.value.message_dict["slug"][0]


def test_failure_while_creating_the_schema_leaves_nothing(plan):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA taken_co")  # the schema exists already, so creation fails half-way

    with pytest.raises(ValidationError, match="already exists"):
        tenant_create(slug="taken-co", name="Taken", plan=plan)

    assert not Tenant.objects.filter(slug="taken-co").exists()
    assert not Domain.objects.filter(domain="taken-co.localhost").exists()


@pytest.mark.parametrize("slug", ["acme", "big-retail-2", "abc"])
def test_good_slugs_pass(slug):
    validate_slug(slug)
