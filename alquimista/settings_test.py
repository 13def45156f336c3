"""Settings for the test suite: the development settings with a test database and Redis indexes."""

import os

os.environ.setdefault("ALQUIMISTA_ENV", "test")

from alquimista.settings import *  # noqa: E402,F403
from alquimista.settings import CACHES, REDIS_URL  # noqa: E402

# Own Redis databases so a test run never flushes the development cache or queue.
_redis_base = REDIS_URL.rsplit("/", 1)[0]
CACHES["default"]["LOCATION"] = f"{_redis_base}/2"
CELERY_BROKER_URL = f"{_redis_base}/3"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Two test runs at once (two checkouts, or TEST_DATABASE_NAME set) must not read each other's cached rows.
CACHES["default"]["KEY_PREFIX"] = DATABASES["default"]["TEST"]["NAME"]  # noqa: F405
# Rate limits far above anything the suite sends; tests of the limits set low ones on a plan themselves.
API_STAFF_REQUESTS_PER_MINUTE = 1_000_000
RATE_LIMIT_FLOOR = 1_000_000
