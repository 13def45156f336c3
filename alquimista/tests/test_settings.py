"""Production refuses to start on missing settings, with one line naming the variable."""

import os
import re
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from alquimista.demo import DemoRefused, demo_load
from conftest import ROOT

PRODUCTION_ENV = {
    "ALQUIMISTA_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "BASE_DOMAIN": "ops.example.com",
    "SECRET_STORE_KEY": Fernet.generate_key().decode(),
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith("DJANGO_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "alquimista.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_every_required_variable():
    result = load_settings(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN", "SECRET_STORE_KEY"])
def test_production_refuses_to_start_naming_the_missing_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = load_settings(env)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"alquimista: refusing to start: {missing} is required when ALQUIMISTA_ENV=production"]


def test_aws_secret_store_needs_no_local_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_STORE_KEY"}
    assert load_settings({**env, "SECRET_STORE_BACKEND": "aws"}).returncode == 0


def test_unknown_environment_is_refused():
    result = load_settings({"ALQUIMISTA_ENV": "staging"})
    assert result.returncode == 2
    assert "ALQUIMISTA_ENV" in result.stderr


def test_demo_data_is_refused_outside_development(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(DemoRefused):
        demo_load()


def test_readme_documents_every_environment_variable():
    read = set()
    for path in (ROOT / "alquimista").glob("*.py"):
        read |= set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', path.read_text()))
    readme = (ROOT / "README.md").read_text()
    assert read, "settings must read the environment"
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
