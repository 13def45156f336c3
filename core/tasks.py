"""Celery helpers every app uses: tasks that run inside a tenant's schema, and publishing after commit.

Tasks are declared with Celery's `shared_task`, so no app imports the Celery app itself
(alquimista/celery.py, the top layer, owns it and the beat schedule).
"""

from functools import wraps

import structlog
from celery import shared_task
from django.db import transaction
from django_tenants.utils import get_tenant_model, tenant_context

logger = structlog.get_logger(__name__)


def tenant_task(**task_options):
    """A Celery task whose first argument is a tenant's schema name; the body runs inside it.

    Tasks take ids, never model instances. A task for a tenant that is gone or not active
    is skipped (beat can fire before a new schema is ready, or after a tenant is archived).
    """

    def decorator(fn):
        @shared_task(**task_options)
        @wraps(fn)
        def task(schema_name: str, *args, **kwargs):
            tenant_model = get_tenant_model()
            tenant = tenant_model.objects.filter(schema_name=schema_name).first()
            if tenant is None or not tenant.has_schema:
                return {"skipped": True, "schema": schema_name}
            with tenant_context(tenant):
                return fn(tenant, *args, **kwargs)

        return task

    return decorator


def publish_on_commit(task, *args) -> None:
    """Send `task` to the workers once the current transaction commits.

    A broker that is down is logged (the error's class only), never raised: the work is already
    committed as pending, and a beat sweep sends it again (REQUEUE_AFTER_SECONDS).
    """

    def publish():
        try:
            task.delay(*args)
        except Exception as exc:  # each transport raises its own errors; none may fail a committed request
            logger.warning("task_publish_failed", task=task.name, error=type(exc).__name__)

    transaction.on_commit(publish)
