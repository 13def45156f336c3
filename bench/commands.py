"""End-to-end HEALTH_CHECK commands per second (created → SUCCESS) with two worker processes."""

import subprocess
import sys
import time
from pathlib import Path

from accounts.models import User
from operations.commands import command_create
from operations.commands_models import Command
from tenants.models import Tenant

ROOT = Path(__file__).resolve().parent.parent


def bench_commands(env: dict, count: int) -> dict:
    workers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "alquimista",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"bench{index}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index in range(2)
    ]
    try:
        time.sleep(6)  # workers connected
        admin = User.objects.get(email="bench-admin@alquimista.test")
        tenants = list(Tenant.objects.customers().filter(slug__startswith="bench-").order_by("pk"))
        started = time.perf_counter()
        ids = [
            command_create(tenant=tenants[i % len(tenants)], command_type="HEALTH_CHECK", actor=admin)[0].pk
            for i in range(count)
        ]
        while Command.objects.filter(pk__in=ids, status__in=["PENDING", "RUNNING"]).exists():
            if time.perf_counter() - started > 600:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        done = Command.objects.filter(pk__in=ids, status="SUCCESS").count()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
    return {"commands": count, "succeeded": done, "seconds": round(elapsed, 2), "per_second": round(done / elapsed, 2)}
