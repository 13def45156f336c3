"""Ports for the private development servers, derived from the checkout path.

Two checkouts on one machine (a working tree and a fresh CI clone) get different
ports, so their private PostgreSQL and Redis never collide. Stdlib only: the
service script imports this before the virtualenv exists.
"""

import zlib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _offset() -> int:
    return zlib.crc32(str(BASE_DIR).encode()) % 900


def postgres_port() -> int:
    return 54000 + _offset()


def redis_port() -> int:
    return 56000 + _offset()


def default_database_url() -> str:
    return f"postgres://alquimista:alquimista@127.0.0.1:{postgres_port()}/alquimista"


def default_redis_url() -> str:
    return f"redis://127.0.0.1:{redis_port()}/0"
