# The audit log moved here from `operations`; its table, triggers and rows stay where they are.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("operations", "0008_incident_notified_at"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OperationalEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("actor_email", models.CharField(blank=True, max_length=254)),
                        ("tenant_slug", models.CharField(blank=True, max_length=63)),
                        ("action", models.CharField(db_index=True, max_length=80)),
                        ("target_type", models.CharField(blank=True, max_length=80)),
                        ("target_id", models.CharField(blank=True, max_length=80)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        ("request_id", models.CharField(blank=True, max_length=128)),
                        ("ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="tenants.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "operations_operationalevent",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["tenant", "-created_at"], name="operations__tenant__6aaa3a_idx"),
                            models.Index(fields=["actor", "-created_at"], name="operations__actor_i_1a445f_idx"),
                        ],
                    },
                )
            ],
            database_operations=[],
        )
    ]
