"""PostgreSQL advisory locks: one process at a time per key, across every web and worker node."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def advisory_lock(key: str) -> Iterator[bool]:
    """Try to take the session lock on `key` without waiting; yields whether it was taken, releases it after.

    A session lock outlives transactions, and dies with the connection: a worker that dies frees it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def advisory_xact_lock(key: str) -> None:
    """Wait for the lock on `key` until the current transaction ends (call inside `transaction.atomic`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
