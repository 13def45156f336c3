"""Readiness checks: can this process serve real traffic right now?"""

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection

CHECK_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict:
        data = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            data["error"] = self.error
        return data


def _timed(name: str, probe) -> CheckResult:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:
        # The class name only: connection errors can carry DSNs with passwords.
        return CheckResult(name, False, (time.perf_counter() - started) * 1000, type(exc).__name__)
    return CheckResult(name, True, (time.perf_counter() - started) * 1000)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis():
    get_redis_connection("default").ping()


def _broker():
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def run_checks() -> list[CheckResult]:
    return [_timed("database", _database), _timed("redis", _redis), _timed("broker", _broker)]
