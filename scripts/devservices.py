#!/usr/bin/env python3
"""Private PostgreSQL and Redis for development and tests, under the ignored .data folder.

    python3 scripts/devservices.py start   # idempotent: starts what is not running
    python3 scripts/devservices.py stop
    python3 scripts/devservices.py status

Skips PostgreSQL when DATABASE_URL is set and Redis when REDIS_URL is set. PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` user.
Stdlib only: it runs before the virtualenv exists.
"""

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loaded by path: importing the alquimista package would pull in Celery and Django.
_spec = importlib.util.spec_from_file_location("devports", ROOT / "alquimista" / "devports.py")
devports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devports)

DATA = Path(os.environ.get("DATA_DIR", ROOT / ".data"))
PGDATA = DATA / "pg"
PGLOG = DATA / "pglog" / "postgres.log"
REDIS_DIR = DATA / "redis"


def pg_bin(name: str) -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for directory in reversed(candidates):
        path = Path(directory) / name
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        sys.exit(f"devservices: {name} not found; install PostgreSQL (apt-get install -y postgresql)")
    return found


def as_pg_user(cmd: list[str]) -> list[str]:
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(port: int, what: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    sys.exit(f"devservices: {what} did not start on port {port}; see {PGLOG if what == 'PostgreSQL' else REDIS_DIR}")


def start_postgres() -> None:
    port = devports.postgres_port()
    DATA.mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (PGDATA, PGLOG.parent):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chown(path, owner.pw_uid, owner.pw_gid)
    else:
        PGLOG.parent.mkdir(parents=True, exist_ok=True)
    if not (PGDATA / "PG_VERSION").exists():
        subprocess.run(
            as_pg_user(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(PGDATA),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if port_open(port) and not (PGDATA / "postmaster.pid").exists():
        sys.exit(
            f"devservices: port {port} is taken by a PostgreSQL that is not this checkout's ({PGDATA}); stop it, or set DATABASE_URL"
        )
    if not port_open(port):
        options = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            as_pg_user([pg_bin("pg_ctl"), "-D", str(PGDATA), "-l", str(PGLOG), "-o", options, "-w", "start"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for(port, "PostgreSQL")
    psql = [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"]
    exists = subprocess.run(
        [*psql, "-c", "SELECT 1 FROM pg_roles WHERE rolname='alquimista'"], capture_output=True, text=True, check=True
    )
    if exists.stdout.strip() != "1":
        # CREATEDB for the test database; SUPERUSER is not needed.
        subprocess.run([*psql, "-c", "CREATE ROLE alquimista LOGIN PASSWORD 'alquimista' CREATEDB"], check=True)
    exists = subprocess.run(
        [*psql, "-c", "SELECT 1 FROM pg_database WHERE datname='alquimista'"],
        capture_output=True,
        text=True,
        check=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run([*psql, "-c", "CREATE DATABASE alquimista OWNER alquimista"], check=True)
    print(f"postgres: 127.0.0.1:{port} (data in {PGDATA})")


def start_redis() -> None:
    port = devports.redis_port()
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    pidfile = REDIS_DIR / "redis.pid"
    if port_open(port) and not _alive(pidfile):
        sys.exit(
            f"devservices: port {port} is taken by a Redis that is not this checkout's ({REDIS_DIR}); stop it, or set REDIS_URL"
        )
    if not port_open(port):
        server = shutil.which("redis-server")
        if not server:
            sys.exit("devservices: redis-server not found; install it (apt-get install -y redis-server)")
        subprocess.run(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(REDIS_DIR),
                "--daemonize",
                "yes",
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
                "--save",
                "60 1000",
                "--appendonly",
                "no",
                "--maxmemory",
                "512mb",
                "--maxmemory-policy",
                "noeviction",
            ],
            check=True,
        )
        wait_for(port, "Redis")
    print(f"redis: 127.0.0.1:{port}")


def _alive(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def stop() -> None:
    if (PGDATA / "postmaster.pid").exists():
        subprocess.run(as_pg_user([pg_bin("pg_ctl"), "-D", str(PGDATA), "-m", "fast", "stop"]), check=False)
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        if not os.environ.get("DATABASE_URL"):
            start_postgres()
        if not os.environ.get("REDIS_URL"):
            start_redis()
    elif command == "stop":
        stop()
    elif command == "status":
        print(f"postgres {'up' if port_open(devports.postgres_port()) else 'down'} on {devports.postgres_port()}")
        print(f"redis {'up' if port_open(devports.redis_port()) else 'down'} on {devports.redis_port()}")
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop|status")


if __name__ == "__main__":
    main()
