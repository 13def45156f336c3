# The local secret store's model now belongs to the `vault` app (same table); only Django's state changes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_lifecycle"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SecretVersion")],
            database_operations=[],
        )
    ]
