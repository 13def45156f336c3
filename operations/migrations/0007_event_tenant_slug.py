from django.db import migrations, models

# Existing events get their tenant's slug. The append-only trigger refuses this UPDATE, so it is
# switched off for the backfill only, inside this migration's transaction.
BACKFILL = """
ALTER TABLE operations_operationalevent DISABLE TRIGGER operations_event_append_only;
UPDATE operations_operationalevent AS event SET tenant_slug = tenant.slug
    FROM tenants_tenant AS tenant WHERE event.tenant_id = tenant.id;
ALTER TABLE operations_operationalevent ENABLE TRIGGER operations_event_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [("operations", "0006_events_no_truncate")]

    operations = [
        migrations.AddField(
            model_name="operationalevent",
            name="tenant_slug",
            field=models.CharField(blank=True, max_length=63),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
