#!/usr/bin/env bash
# Public schema, then the template schema new tenants are cloned from, then every tenant.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py migrate_schemas --shared --noinput -v 0
.venv/bin/python manage.py setup_platform
.venv/bin/python manage.py migrate_schemas --tenant --noinput -v 0
