"""Which schema each model's table lives in, for the two apps that hold both kinds.

django-tenants decides per app (TenantSyncRouter, listed after this router); `agents` and
`usage` hold one public model each (the catalogue, the daily roll-ups) beside their tenant
models, so for them this router decides per model.
"""

from django.db import connection
from django_tenants.utils import get_public_schema_name

PUBLIC_MODELS_OF_SPLIT_APPS = {
    "agents": {"agenttype"},
    "usage": {"usagedaily"},
}


class SplitAppRouter:
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label not in PUBLIC_MODELS_OF_SPLIT_APPS:
            return None
        in_public = connection.schema_name == get_public_schema_name()
        if model_name is None:
            # RunSQL/RunPython in these apps must say where they run: hints={"schema": "public"|"tenant"}.
            wanted = hints.get("schema")
            return wanted is None or wanted == ("public" if in_public else "tenant")
        return (model_name in PUBLIC_MODELS_OF_SPLIT_APPS[app_label]) == in_public
