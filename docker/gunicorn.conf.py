"""Gunicorn settings for the web container (docker/Dockerfile's default CMD)."""

import glob
import multiprocessing
import os

from prometheus_client import multiprocess

bind = "0.0.0.0:8000"

# cpu_count() sees the host's CPUs, not a container CPU limit: set WEB_CONCURRENCY when limited.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file is fchmod'ed constantly; on overlayfs that can stall workers, /dev/shm is RAM.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The app logs every request itself as JSON (core.observability.middleware).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    """Start every run with an empty multiprocess directory: files left by a previous run
    (same container restarted) would be summed into the new run's metrics."""
    if PROMETHEUS_MULTIPROC_DIR:
        os.makedirs(PROMETHEUS_MULTIPROC_DIR, exist_ok=True)
        for path in glob.glob(os.path.join(PROMETHEUS_MULTIPROC_DIR, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    if PROMETHEUS_MULTIPROC_DIR:
        multiprocess.mark_process_dead(worker.pid)
