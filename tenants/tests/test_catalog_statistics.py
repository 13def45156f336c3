"""Catalog statistics are refreshed when tenant creation has outgrown them (stale plans made clones 6× slower).

Autovacuum may analyze the catalogs at any moment, so no test here depends on whether it has yet: the
rule is tested with the threshold moved to either side of any measured staleness, and the growth test
asserts only what holds either way (after a refresh the statistics are fresh).
"""

import math

from django.db import connection

from tenants import schema_clone
from tenants.schema_clone import catalog_statistics_refresh


def test_stale_catalogs_are_analyzed_and_fresh_ones_are_not(transactional_db_free, monkeypatch):
    monkeypatch.setattr(schema_clone, "STALE_FRACTION", 0.0)  # every catalog counts as stale
    assert catalog_statistics_refresh() is True
    monkeypatch.setattr(schema_clone, "STALE_FRACTION", math.inf)  # none ever does
    assert catalog_statistics_refresh() is False
    assert catalog_statistics_refresh(force=True) is True  # force ignores the threshold


def test_catalog_growth_leaves_fresh_statistics_after_a_refresh(transactional_db_free):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA catalog_growth")
        for i in range(400):  # each adds rows to pg_class, pg_attribute, pg_type, pg_depend, pg_constraint
            cursor.execute(f"CREATE TABLE catalog_growth.t{i} (id serial PRIMARY KEY, name text UNIQUE)")
        cursor.execute("SELECT pg_stat_force_next_flush()")
    try:
        catalog_statistics_refresh()  # ran, or autovacuum had already analyzed them: fresh either way
        assert catalog_statistics_refresh() is False
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA catalog_growth CASCADE")
        catalog_statistics_refresh(force=True)
