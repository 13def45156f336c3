from django.db import migrations

# Only one kind of UPDATE is let through: clearing actor_id/tenant_id when that user or
# tenant is deleted (Django's SET_NULL). actor_email keeps saying who it was.
TRIGGER = """
CREATE OR REPLACE FUNCTION operations_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
       AND (NEW.tenant_id IS NULL OR NEW.tenant_id IS NOT DISTINCT FROM OLD.tenant_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'tenant_id') = (to_jsonb(OLD) - 'actor_id' - 'tenant_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'operations_operationalevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER operations_event_append_only
    BEFORE UPDATE OR DELETE ON operations_operationalevent
    FOR EACH ROW EXECUTE FUNCTION operations_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS operations_event_append_only ON operations_operationalevent;
DROP FUNCTION IF EXISTS operations_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [migrations.RunSQL(TRIGGER, REVERSE)]
