# The audit log's model now belongs to the `audit` app (same table); only Django's state changes here.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0008_incident_notified_at"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OperationalEvent")],
            database_operations=[],
        )
    ]
