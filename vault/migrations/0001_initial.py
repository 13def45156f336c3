# The local secret store's model moved here from `tenants`; its table and rows stay where they are.
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tenants", "0002_lifecycle")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SecretVersion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=255)),
                        ("version", models.PositiveIntegerField()),
                        ("ciphertext", models.BinaryField()),
                        ("tags", models.JSONField(default=dict)),
                        ("current", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.CharField(blank=True, max_length=255)),
                    ],
                    options={
                        "db_table": "tenants_secretversion",
                        "indexes": [models.Index(fields=["name", "current"], name="tenants_sec_name_137204_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("name", "version"), name="secret_name_version_unique"),
                            models.UniqueConstraint(
                                condition=models.Q(("current", True)), fields=("name",), name="secret_one_current_version"
                            ),
                        ],
                    },
                )
            ],
            database_operations=[],
        )
    ]
