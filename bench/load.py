"""API under load: gunicorn as deployed, wrk on loopback, cold and warm cache; the main query alone beside it."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _percentile(output: str, label: str) -> float | None:
    match = re.search(rf"^P{label} ([\d.]+)$", output, re.M)
    return round(float(match.group(1)), 2) if match else None


def wrk(url: str, headers: dict, seconds: int, connections: int = 16) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(Path(__file__).parent / "wrk_report.lua")]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(rate.group(1)) if rate else None,
        "p50_ms": _percentile(output, "50"),
        "p95_ms": _percentile(output, "95"),
        "p99_ms": _percentile(output, "99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def gunicorn_start(env: dict, port: int) -> subprocess.Popen:
    workers = 2 * (os.cpu_count() or 1) + 1  # as docker/gunicorn.conf.py
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "alquimista.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def query_ms(sql_callable) -> float:
    """Median time of the endpoint's main query alone."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        sql_callable()
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[2], 2)


def available() -> bool:
    return shutil.which("wrk") is not None


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).flushdb()


def connection_close():
    connection.close()
