import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from operations.models import OperationalEvent
from operations.services import event_record

pytestmark = pytest.mark.django_db


def test_events_cannot_be_updated_or_deleted(acme):
    event = event_record(action="test.thing", tenant=acme, after={"x": 1})

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OperationalEvent.objects.filter(pk=event.pk).update(action="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OperationalEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE operations_operationalevent SET after = '{}' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert (event.action, event.after) == ("test.thing", {"x": 1})


def test_deleting_the_actor_keeps_the_event_and_who_it_was():
    user = User.objects.create_user(email="leaver@alquimista.test", password="x" * 12)
    event = event_record(action="test.done", actor=user)

    user.delete()

    event.refresh_from_db()
    assert event.actor_id is None
    assert event.actor_email == "leaver@alquimista.test"


def test_clearing_the_actor_cannot_smuggle_other_changes():
    user = User.objects.create_user(email="sly@alquimista.test", password="x" * 12)
    event = event_record(action="test.done", actor=user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE operations_operationalevent SET actor_id = NULL, action = 'x' WHERE id = %s", [event.pk])
