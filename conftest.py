"""Session-wide test tenants and the cast every access test uses.

The test database is migrated once; the demo tenants (acme, globex, initech) and their
users are created once per session, committed, and shared by all tests, each of which
runs in a transaction that is rolled back.
"""

import ast
import json
import os
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases

from accounts.middleware import SESSION_TENANT_KEY
from accounts.models import User
from alquimista.celery import app
from alquimista.demo import demo_load
from tenants.models import Tenant
from tenants.services import public_tenant_ensure, template_schema_sync

ROOT = Path(__file__).resolve().parent
pytest_plugins = ["tests.oidc_harness"]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20, process: subprocess.Popen | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {seconds}s")


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up, always for the default database, then the session's demo tenants.

    pytest-django sets up only the databases the selected tests ask for with `db` or a marker; a run
    of `transactional_db_free` tests alone would otherwise read and write the development database.
    """

    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},
            keepdb=django_db_keepdb and not django_db_createdb,
        )
        public_tenant_ensure()
        template_schema_sync()
        demo_load(password="demo-password-123")
        connection.set_schema_to_public()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(scope="session", autouse=True)
def _empty_broker():
    """The tests' own broker database starts empty: no message left by an earlier run reaches a test's worker."""

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture(autouse=True)
def _backups_in_a_temporary_folder(settings, tmp_path_factory):
    settings.BACKUP_DIR = str(tmp_path_factory.getbasetemp() / "backups")


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    """The wall clock must not decide a test: dispatch's quiet hours are off (start == end) unless a test
    sets them (dispatch/tests/test_decision.py tests them with a fixed clock)."""
    settings.DISPATCH_QUIET_START_HOUR = settings.DISPATCH_QUIET_END_HOUR = 0


@pytest.fixture(autouse=True)
def _fresh_cache_and_schema():
    cache.clear()
    yield
    connection.set_schema_to_public()


DEMO_PASSWORD = "demo-password-123"


@pytest.fixture
def acme(db):
    return Tenant.objects.get(slug="acme")


@pytest.fixture
def globex(db):
    return Tenant.objects.get(slug="globex")


@pytest.fixture
def public_tenant(db):
    return Tenant.objects.get(schema_name="public")


def host_of(tenant) -> str:
    return settings.BASE_DOMAIN if tenant.is_public else f"{tenant.slug}.{settings.BASE_DOMAIN}"


def log_in_on(client: Client, tenant, user) -> None:
    """force_login, plus the host binding a real login records (sessions are per host)."""

    client.force_login(user)
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.schema_name
    session.save()


def session_key_for(tenant, email: str) -> str:
    """A logged-in session for `email` on `tenant`'s host, as a login makes it (without a login's audit and signals)."""
    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SESSION_TENANT_KEY: tenant.schema_name,
        }
    )
    store.create()
    return store.session_key


@pytest.fixture
def client_for(db):
    """client_for(tenant, email=None): a test client on the tenant's host, logged in as `email`."""

    def make(tenant, email: str | None = None) -> Client:
        client = Client(HTTP_HOST=host_of(tenant))
        if email:
            log_in_on(client, tenant, User.objects.get(email=email))
        return client

    return make


@pytest.fixture(scope="session")
def redis_server_factory():
    """Starts throwaway redis-server processes on free ports; all are killed at the end."""
    processes = []

    def start() -> tuple[int, subprocess.Popen]:
        port = free_port()
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        wait_for_port(port, process=process)
        return port, process

    yield start
    for process in processes:
        process.kill()
        process.wait()


def subprocess_env(**extra) -> dict:
    """Environment for a subprocess (worker, web server) that must see this session's test database."""

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="alquimista.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        # As _no_quiet_hours: the wall clock decides nothing in a subprocess either.
        DISPATCH_QUIET_START_HOUR="0",
        DISPATCH_QUIET_END_HOUR="0",
    )
    env.update(extra)
    return env


@pytest.fixture
def celery_worker_factory(transactional_db_free):
    """Starts real Celery worker processes on the test broker; all are killed at the end."""
    processes = []

    def start(concurrency: int = 1, queues: str = "celery", extra_env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "alquimista",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "-Q",
                queues,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=subprocess_env(**(extra_env or {})),
            start_new_session=True,  # its own process group, so a test can kill the pool children too
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def transactional_db_free(django_db_setup, django_db_blocker):
    """Database access without a wrapping transaction: other processes must see what the test reads.

    The session's committed data (demo tenants and users) is what workers see; tests using
    this must clean up rows they commit themselves.
    """
    django_db_blocker.unblock()
    yield
    django_db_blocker.restore()


@pytest.fixture
def eager():
    """Celery tasks run in-process, at once, when they are sent (`.delay`)."""

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def broker_down():
    """Point the Celery app at a port nobody listens on, as if Redis were down, until the test calls
    the fixture's value (`broker_down()`: Redis is back) or ends."""

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app._pool = app.amqp._producer_pool = None  # the next publish connects to the dead port

    def back():
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved

    yield back
    back()


def broker_take(task_name: str) -> list[tuple]:
    """The arguments of every `task_name` message waiting on the (real) broker, taken off it."""

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)  # the real one, even while `broker_down` is on
    taken = []
    for raw in client.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == task_name:
            client.lrem("celery", 1, raw)
            taken.append(ast.literal_eval(headers["argsrepr"]))
    return taken


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's standalone server: a real HTTP server speaking the AWS protocols (Secrets Manager, S3)."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, seconds=30, process=process)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
