from django.db import migrations

# 0002 refuses UPDATE and DELETE row by row; TRUNCATE fires no row triggers, so it needs its own
# statement-level one (the same function raises for any TG_OP but the SET_NULL update).
TRIGGER = """
CREATE TRIGGER operations_event_no_truncate
    BEFORE TRUNCATE ON operations_operationalevent
    FOR EACH STATEMENT EXECUTE FUNCTION operations_event_append_only();
"""

REVERSE = "DROP TRIGGER IF EXISTS operations_event_no_truncate ON operations_operationalevent;"


class Migration(migrations.Migration):
    dependencies = [("operations", "0005_command_request_fingerprint")]

    operations = [migrations.RunSQL(TRIGGER, REVERSE)]
