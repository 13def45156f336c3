import json
import logging
import os
import subprocess
import sys

import pytest
import structlog
from django.test import Client

from accounts.handoff import handoff_create
from accounts.models import User
from accounts.services import set_password_link
from accounts.tasks import purge_login_handoffs
from conftest import ROOT


@pytest.fixture
def probe_client():
    return Client(HTTP_HOST="10.1.2.3")  # probes reach pods by IP, not by a tenant host


def test_healthz_answers_on_any_host(probe_client):
    response = probe_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_is_up(probe_client):
    response = probe_client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "broker": True,
    }


@pytest.mark.django_db
def test_redis_down_readyz_names_it_and_pages_still_answer(
    settings, redis_server_factory, probe_client, client_for, acme
):
    port, process = redis_server_factory()
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"},
    }
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/1"
    assert probe_client.get("/readyz").status_code == 200

    process.kill()
    process.wait()

    response = probe_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis", "broker"]
    assert response.json()["checks"]["database"]["ok"] is True
    page = client_for(acme, "admin@acme.test").get("/app/dashboard")
    assert page.status_code == 200
    assert b"Acme Corporation" in page.content


def test_readyz_names_the_database_when_it_is_down_without_a_trace():
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client(HTTP_HOST='localhost').get('/readyz'); print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alquimista.settings_test",
        "DATABASE_URL": "postgres://nobody:pw@127.0.0.1:1/none",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503"
    assert json.loads(body)["failed"] == ["database"]
    assert "Traceback" not in body and "nobody" not in body and "pw@" not in body


@pytest.mark.django_db
def test_request_id_is_accepted_and_echoed(client_for, acme):
    response = client_for(acme).get("/login/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


@pytest.mark.django_db
def test_bad_request_id_is_replaced(client_for, acme):
    response = client_for(acme).get("/login/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_request_log_line_is_json_with_request_id_tenant_and_user(client_for, acme, caplog):
    user = User.objects.get(email="admin@acme.test")
    caplog.set_level(logging.INFO)
    client_for(acme, "admin@acme.test").get("/app/dashboard", HTTP_X_REQUEST_ID="req-42")

    formatter = next(  # the configured JSON formatter
        h.formatter
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    )
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    request_lines = [line for line in lines if line.get("event") == "request" and line.get("request_id") == "req-42"]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert (line["tenant"], line["user_id"], line["status"], line["view"]) == ("acme", user.pk, 200, "client-dashboard")


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_status(client_for, acme, probe_client):
    client_for(acme).get("/login/")
    body = probe_client.get("/metrics").content.decode()
    assert 'alquimista_http_requests_total{method="GET",status="200",view="login"}' in body
    assert "alquimista_http_request_duration_seconds_bucket" in body


def celery_successes(body: str, task: str) -> float:
    line = f'alquimista_celery_tasks_total{{outcome="success",task="{task}"}} '
    return next((float(row.removeprefix(line)) for row in body.splitlines() if row.startswith(line)), 0.0)


@pytest.mark.django_db
def test_metrics_count_celery_task_successes(probe_client):
    before = celery_successes(probe_client.get("/metrics").content.decode(), purge_login_handoffs.name)
    assert purge_login_handoffs.apply().successful()
    assert purge_login_handoffs.apply().successful()

    after = celery_successes(probe_client.get("/metrics").content.decode(), purge_login_handoffs.name)
    assert after - before == 2


def test_reset_tokens_and_handoff_tickets_never_reach_the_logs(client_for, acme, caplog):
    user = User.objects.get(email="user@acme.test")
    caplog.set_level(logging.INFO)
    link = set_password_link(user=user, tenant=acme).split(":8000", 1)[1]  # /reset/<uid>/<token>/
    token = link.rstrip("/").rsplit("/", 1)[1]
    ticket = handoff_create(user=user, tenant=acme, next_path="/app/dashboard")
    client = client_for(acme)
    assert client.get(link).status_code == 302
    assert client.get(link.rstrip("/")).status_code in (301, 302)  # unresolved: APPEND_SLASH
    assert client.get(f"/login/handoff?ticket={ticket}").status_code == 302
    assert client.get(f"/login/handoff?ticket={ticket}").status_code == 302  # used: a failed redeem
    logging.getLogger("django.request").error("Internal Server Error: %s?ticket=%s", link, ticket)

    formatter = next(
        h.formatter
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    )
    text = "\n".join(formatter.format(record) for record in caplog.records)
    assert '"path": "/reset/<uidb64>/<token>/"' in text
    assert token not in text and ticket not in text
