"""Catalog statistics are refreshed when tenant creation has outgrown them (stale plans made clones 6× slower)."""

from django.db import connection

from tenants.schema_clone import catalog_statistics_refresh


def test_catalogs_are_analyzed_once_they_are_stale_and_not_before(transactional_db_free):
    catalog_statistics_refresh(force=True)
    assert catalog_statistics_refresh() is False  # fresh statistics: nothing to do

    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA catalog_growth")
        try:
            for i in range(400):  # each adds rows to pg_class, pg_attribute, pg_type, pg_depend, pg_constraint
                cursor.execute(f"CREATE TABLE catalog_growth.t{i} (id serial PRIMARY KEY, name text UNIQUE)")
            cursor.execute("SELECT pg_stat_force_next_flush()")
        finally:
            pass
    try:
        assert catalog_statistics_refresh() is True
        assert catalog_statistics_refresh() is False
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA catalog_growth CASCADE")
        catalog_statistics_refresh(force=True)
