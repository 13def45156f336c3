"""End-to-end harness: a live stack (gunicorn, a Celery worker, real PostgreSQL and Redis) and
Debian's Chromium driven by Playwright.

The stack runs on its own database, built the way `make run` builds one (migrations,
setup_platform, demo data), so browser tests see the product as a newcomer does.
"""

import os
import subprocess
from dataclasses import dataclass

import psycopg
import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from conftest import ROOT, VENV_BIN, free_port, wait_for_port
from core.databases import drop_database

# Playwright's sync API keeps an event loop in the main thread for the whole session; Django would then
# refuse ORM calls in later tests as if they ran in async code. They do not: allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
E2E_PASSWORD = "e2e-demo-password"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass
class LiveStack:
    port: int
    env: dict
    oidc: object

    def url(self, path: str = "/", tenant: str | None = None) -> str:
        host = f"{tenant}.localhost" if tenant else "localhost"
        return f"http://{host}:{self.port}{path}"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout


def _admin_connection(db: dict) -> psycopg.Connection:
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], dbname="postgres", autocommit=True
    )


@pytest.fixture(scope="session")
def live_stack(oidc_provider_factory, tmp_path_factory):
    db = settings.DATABASES["default"]
    name = "e2e_alquimista"
    with _admin_connection(db) as conn:
        drop_database(conn, name)
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    oidc = oidc_provider_factory([f"http://localhost:{port}/oidc/callback/"], tmp_path_factory.mktemp("e2e-oidc"))
    redis_base = settings.REDIS_URL.rsplit("/", 1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="alquimista.settings",
        ALQUIMISTA_ENV="test",
        DEBUG="false",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}",
        REDIS_URL=f"{redis_base}/4",
        CELERY_BROKER_URL=f"{redis_base}/5",
        BASE_DOMAIN="localhost",
        SITE_PORT=str(port),
        DEMO_PASSWORD=E2E_PASSWORD,
        DATA_DIR=str(ROOT / ".data" / "e2e"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path_factory.mktemp("e2e-mail")),
        **oidc.env_overrides(),
    )
    stack = LiveStack(port=port, env=env, oidc=oidc)
    subprocess.run(["redis-cli", "-u", f"{redis_base}/4", "FLUSHDB"], check=False, capture_output=True)
    stack.manage("migrate_schemas", "--shared", "--noinput", "-v", "0")
    stack.manage("setup_platform")
    stack.manage("load_demo")
    processes = [
        subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "alquimista.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "alquimista",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        ),
    ]
    try:
        wait_for_port(port, seconds=30, process=processes[0])
        yield stack
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with _admin_connection(db) as conn:
            drop_database(conn, name)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, stack: LiveStack, email: str, tenant: str | None = None) -> None:
    page.goto(stack.url("/login/", tenant))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(E2E_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
