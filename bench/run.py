#!/usr/bin/env python
"""make bench [SIZE=S|M|L]: build a dataset in its own database, run every benchmark, print a table, write JSON.

Sizes: S = 10 tenants, ~1M requests (a couple of minutes); M = 50 tenants, ~10M (default, < 15 min);
L = 500 tenants, ~10M. The database `bench_alquimista` on the private PostgreSQL is rebuilt each run.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = {
    "S": {"tenants": 10, "per_tenant_day": 1350, "checkpoints": [1, 10], "load_seconds": 10, "commands": 40},
    "M": {"tenants": 50, "per_tenant_day": 2700, "checkpoints": [1, 100, 500], "load_seconds": 30, "commands": 100},
    "L": {"tenants": 500, "per_tenant_day": 270, "checkpoints": [1, 100, 500], "load_seconds": 30, "commands": 200},
}
LIST_TENANTS = 1000  # the internal tenant list is measured with this many tenants


def bench_env() -> dict:
    """The variables the benchmark sets (its own database and Redis databases, quiet logs, no e-mail out)."""
    from alquimista import devports

    base_redis = os.environ.get("REDIS_URL", devports.default_redis_url()).rsplit("/", 1)[0]
    database = os.environ.get(
        "BENCH_DATABASE_URL", devports.default_database_url().rsplit("/", 1)[0] + "/bench_alquimista"
    )
    return {
        "DJANGO_SETTINGS_MODULE": "alquimista.settings",
        "ALQUIMISTA_ENV": "development",
        "DEBUG": "false",
        "DATABASE_URL": database,
        "REDIS_URL": f"{base_redis}/6",
        "CELERY_BROKER_URL": f"{base_redis}/7",
        "LOG_LEVEL": "WARNING",
        "SITE_PORT": "8089",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # The limiter runs on every request (its cost is measured) but never refuses the load generator.
        "API_STAFF_REQUESTS_PER_MINUTE": str(10**9),
    }


def recreate_database(env: dict) -> None:
    import psycopg

    from core.databases import drop_database

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        drop_database(conn, name)
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--shared", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def table(rows: list[list]) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default=os.environ.get("SIZE", "M"))
    parser.add_argument("--only", choices=["creation"], help="run only this benchmark (it builds what it needs)")
    arguments = parser.parse_args()
    size_name = arguments.size
    size = SIZES[size_name]
    overrides = bench_env()
    os.environ.update(overrides)
    env = {**os.environ, **overrides}
    recreate_database(env)

    import django

    django.setup()
    from django.db import connection

    from accounts.api_keys import api_key_create
    from accounts.roles import Role
    from accounts.services import internal_role_set, membership_set, user_ensure
    from bench import commands, creation, dataset, load, pages, rollup
    from tenants.models import Plan, Tenant
    from usage.selectors import month_to_date, tenant_usage, tenants_with_usage, usage_overview

    results = {
        "size": size_name,
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "started": datetime.now(UTC).isoformat(),
    }
    print(
        f"== dataset ({size_name}): {size['tenants']} tenants, {size['per_tenant_day']:,} requests per tenant on a busy weekday"
    )
    dataset.platform_ready()
    admin = user_ensure(email="bench-admin@alquimista.test", password="bench-password-1")
    internal_role_set(user=admin, role=Role.INTERNAL_ADMIN)
    started = time.perf_counter()
    creation_rows = []
    made = 0
    for checkpoint in size["checkpoints"]:
        # Tenants with data first; past the size's count, empty schemas stand in for the rest.
        with_data = max(0, min(checkpoint, size["tenants"]) - made)
        dataset.tenants_create(with_data, start_index=made)
        dataset.tenants_create(checkpoint - made - with_data, start_index=made + with_data, prefix="pad", agents=False)
        made = checkpoint
        row = creation.creation_at(Tenant.objects.customers().count(), admin)
        creation_rows.append(row)
        print(
            f"   with {row['existing_tenants']} tenants: clone {row['clone_seconds']} s, migrate {row['migrate_seconds']} s,"
            f" provisioning run {row['provision_total_seconds']} s (schema+seed+secrets {row['provision_core_seconds']} s)"
        )
    results["tenant_creation"] = creation_rows
    if arguments.only == "creation":
        print_creation(results)
        return
    generated_started = time.perf_counter()
    results["dataset"] = {
        "tenants": size["tenants"],
        "schemas": made,
        "requests": dataset.requests_generate(per_tenant_day=size["per_tenant_day"]),
        "generate_seconds": round(time.perf_counter() - generated_started, 1),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    print(f"   {results['dataset']['requests']:,} requests generated in {results['dataset']['generate_seconds']} s")

    print("== roll-up")
    results["rollup"] = rollup.bench_rollup()

    first = Tenant.objects.get(slug="bench-0000")
    owner = user_ensure(email="owner@bench.test", password="bench-password-1")
    membership_set(user=owner, tenant=first, role=Role.TENANT_ADMIN)
    plan = Plan.objects.get(code="starter")
    extra = max(0, LIST_TENANTS - Tenant.objects.customers().count())
    Tenant.objects.bulk_create(
        [
            Tenant(schema_name=f"listed_{i}", slug=f"listed-{i}", name=f"Listed {i:04d}", plan=plan, status="active")
            for i in range(extra)
        ]
    )

    print("== pages")
    results["pages"] = pages.bench_pages("bench-0000", "owner@bench.test", "bench-admin@alquimista.test")

    print("== API under load")
    _, raw_key = api_key_create(tenant=first, name="bench", scopes=["read"])
    gunicorn = load.gunicorn_start(env, 8089)
    try:
        import requests

        session = requests.Session()
        login = session.get("http://localhost:8089/login/")
        session.post(
            "http://localhost:8089/login/",
            data={
                "username": "bench-admin@alquimista.test",
                "password": "bench-password-1",
                "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
            },
            headers={"Referer": login.url},
        )
        staff_cookie = f"sessionid={session.cookies.get('sessionid')}"
        endpoints = [
            (
                "/api/tenant/me",
                "bench-0000.localhost",
                {"Authorization": f"Api-Key {raw_key}"},
                lambda: month_to_date(tenant=first),
            ),
            (
                "/api/tenant/usage?period=90d",
                "bench-0000.localhost",
                {"Authorization": f"Api-Key {raw_key}"},
                lambda: tenant_usage(tenant=first, period="90d"),
            ),
            (
                "/api/internal/tenants?page=1",
                "localhost",
                {"Cookie": staff_cookie},
                lambda: list(tenants_with_usage()[:25]),
            ),
            (
                "/api/internal/usage/overview",
                "localhost",
                {"Cookie": staff_cookie},
                lambda: usage_overview(period="30d"),
            ),
        ]
        load_rows = []
        for path, host, headers, main_query in endpoints:
            # wrk resolves names with the system resolver, which knows no *.localhost: connect to 127.0.0.1, send the Host.
            url, headers = f"http://127.0.0.1:8089{path}", {**headers, "Host": f"{host}:8089"}
            load.flush_cache()
            cold = load.wrk(url, headers, size["load_seconds"]) if load.available() else {}
            warm = load.wrk(url, headers, size["load_seconds"]) if load.available() else {}
            load_rows.append({"endpoint": path, "cold": cold, "warm": warm, "main_query_ms": load.query_ms(main_query)})
            print(f"   {path}: warm {warm.get('rps')} req/s, p95 {warm.get('p95_ms')} ms")
        results["api"] = load_rows
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)

    print("== commands")
    connection.close()
    results["commands"] = commands.bench_commands(env, size["commands"])
    results["finished"] = datetime.now(UTC).isoformat()

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{size_name}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print_report(results)
    print(f"\nJSON: {path}")


def print_creation(results: dict) -> None:
    print("\nTenant creation (seconds per tenant; provisioning = a whole run as the panel starts it)")
    rows = [["existing tenants", "clone", "migrations", "provision schema+seed+secrets", "provision run"]] + [
        [
            r["existing_tenants"],
            r["clone_seconds"],
            r["migrate_seconds"],
            r["provision_core_seconds"],
            r["provision_total_seconds"],
        ]
        for r in results["tenant_creation"]
    ]
    print(table(rows))


def print_report(results: dict) -> None:
    print("\nRoll-up (raw rows per second; floor = the same aggregation per tenant, nothing written)")
    rows = [["run", "raw rows", "ours rows/s", "floor rows/s", "ours/floor"]]
    for label, r in results["rollup"].items():
        rows.append(
            [label, f"{r['raw_rows']:,}", f"{r['ours_rows_per_s']:,}", f"{r['floor_rows_per_s']:,}", r["ratio"]]
        )
    print(table(rows))
    print_creation(results)
    print("\nAPI under load (16 connections; latency in ms)")
    rows = [["endpoint", "cold req/s", "cold p95", "warm req/s", "warm p50", "warm p95", "warm p99", "main query ms"]]
    for r in results.get("api", []):
        rows.append(
            [
                r["endpoint"],
                r["cold"].get("rps"),
                r["cold"].get("p95_ms"),
                r["warm"].get("rps"),
                r["warm"].get("p50_ms"),
                r["warm"].get("p95_ms"),
                r["warm"].get("p99_ms"),
                r["main_query_ms"],
            ]
        )
    print(table(rows))
    print("\nPages (in-process, warm cache)")
    print(
        table(
            [["page", "median ms", "queries"]] + [[r["page"], r["median_ms"], r["queries"]] for r in results["pages"]]
        )
    )
    c = results["commands"]
    print(
        f"\nCommands: {c['succeeded']}/{c['commands']} HEALTH_CHECK in {c['seconds']} s = {c['per_second']} per second (2 workers)"
    )


if __name__ == "__main__":
    main()
