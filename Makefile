# The two commands: `make run` (whole system with demo data) and `make test` (the suite).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test setup services migrate demo stop bench audit lock

run: setup services migrate demo
	@echo ""
	@echo "  Company panel  http://localhost:8000/app/company   (admin@alquimista.test, support@alquimista.test)"
	@echo "  Client dash    http://acme.localhost:8000/app/dashboard   (admin@acme.test, user@acme.test; also globex, initech)"
	@echo "  Django admin   http://localhost:8000/admin/    API docs  http://localhost:8000/api/docs"
	@echo "  Password for every demo user: $${DEMO_PASSWORD:-alquimista-demo}.   Ctrl-C stops web, worker and beat."
	@echo ""
	.venv/bin/honcho start -f Procfile.dev

test: export WITH_BROWSER := 1
test: setup services
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	python3 scripts/check_lock.py
	ALQUIMISTA_ENV=test .venv/bin/pytest $(PYTEST_ARGS)

setup:
	@bash scripts/bootstrap.sh

services:
	@python3 scripts/devservices.py start

migrate:
	@bash scripts/migrate.sh

demo:
	@$(PY) manage.py load_demo

stop:
	@python3 scripts/devservices.py stop

bench: setup services
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "bench: install wrk for the load benchmarks"
	$(PY) bench/run.py --size $${SIZE:-M} $${ONLY:+--only $$ONLY}

# Known vulnerabilities in the pinned dependencies (needs the advisory services: PyPI's JSON API or OSV,
# and the npm registry's audit endpoint; the CI machines here reach neither, so this is not part of make test).
audit: setup
	.venv/bin/pip install -q pip-audit
	.venv/bin/pip-audit -r requirements.lock --require-hashes --disable-pip --strict
	npm audit --audit-level=high

# Pin every package (direct or not) with its hashes after editing requirements*.txt; make installs from the lock.
lock:
	@[ -x .data/piptools/bin/pip-compile ] || { python3 -m venv .data/piptools && .data/piptools/bin/pip install -q pip-tools; }
	.data/piptools/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock requirements-dev.txt
