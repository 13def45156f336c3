from django.db import migrations, models
from django.db.models import F


def quota_alerts_already_sent(apps, schema_editor):
    """Quota alerts opened before this field were mailed by then: the sweep must not mail them again."""
    Incident = apps.get_model("operations", "Incident")
    Incident.objects.filter(source="quota", notified_at__isnull=True).update(notified_at=F("opened_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0007_event_tenant_slug"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(quota_alerts_already_sent, migrations.RunPython.noop),
    ]
