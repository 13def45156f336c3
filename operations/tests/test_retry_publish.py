"""A retry is written whole (retry_of included) before the message that runs it is published.

No django_db mark: the test needs real commits, so on_commit publishes to the test broker as in production.
"""

import redis
from celery.signals import before_task_publish
from django.conf import settings

from accounts.models import User
from audit.models import OperationalEvent
from operations.commands import command_create, command_retry
from operations.commands_models import Command
from tenants.models import Tenant


def test_a_retry_points_at_the_original_before_its_message_is_published(transactional_db_free):
    acme = Tenant.objects.get(slug="acme")
    admin = User.objects.get(email="admin@alquimista.test")
    seen = {}

    def at_publish(sender=None, body=None, **kwargs):
        if sender == "operations.run_command":
            command_id = body[0][0]
            seen[command_id] = Command.objects.filter(pk=command_id).values_list("retry_of_id", flat=True).first()

    original, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    created = [original.pk]
    try:
        Command.objects.filter(pk=original.pk).update(status="ERROR")
        before_task_publish.connect(at_publish)
        try:
            retry = command_retry(command=original, actor=admin)
        finally:
            before_task_publish.disconnect(at_publish)
        created.append(retry.pk)

        assert seen == {str(retry.pk): original.pk} and retry.retry_of_id == original.pk
        event = OperationalEvent.objects.get(action="command.created", target_id=str(retry.pk))
        assert event.after["retry_of"] == str(original.pk)
    finally:
        queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for raw in queue.lrange("celery", 0, -1):
            if any(str(pk).encode() in raw for pk in created):
                queue.lrem("celery", 1, raw)
        Command.objects.filter(pk__in=created).delete()
