"""A real Celery worker killed with SIGKILL mid-command: the reaper ends the command in ERROR."""

import os
import signal
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from accounts.models import User
from operations.commands import command_create, commands_reap
from operations.commands_models import Command
from tenants.models import Tenant


class SlowService(BaseHTTPRequestHandler):
    """An integration endpoint that takes its time: the health check is mid-flight when the worker dies."""

    def do_GET(self):
        time.sleep(2.5)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()


def wait_for(predicate, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_killed_worker_leaves_no_command_running_forever(celery_worker_factory, slow_service):
    acme = Tenant.objects.get(slug="acme")
    admin = User.objects.get(email="admin@alquimista.test")
    urls = ",".join(f"{kind}={slow_service}" for kind in ("whatsapp", "email", "calendar", "crm", "webhook"))
    worker = celery_worker_factory(concurrency=1, extra_env={"INTEGRATION_HEALTH_URLS": urls})

    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    assert wait_for(lambda: Command.objects.get(pk=command.pk).status == "RUNNING"), (
        "the worker never started the command"
    )
    time.sleep(0.5)

    os.killpg(os.getpgid(worker.pid), signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(1)
    assert Command.objects.get(pk=command.pk).status == "RUNNING", "nobody finishes a command whose worker died"

    assert commands_reap() == 0  # not yet past its timeout
    Command.objects.filter(pk=command.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert commands_reap() == 1
    command.refresh_from_db()
    assert command.status == "ERROR" and "Worker lost" in command.error_message
