"""Rate limits in Redis: fixed one-minute windows, checked and counted by one atomic Lua script.

Why fixed windows and not a token bucket: a limit per minute is what the plans sell and what the
`RateLimit` headers report (a quota, what is left of it and when it renews), and a counter per
window is exactly that, with a `reset` every client can compute. The cost is that a client may
spend up to twice its quota across a window boundary; for abuse protection that is acceptable.
Why Lua and not INCR + EXPIRE: a request is checked against several limits at once (its key or
user, its tenant), and a refused request must not spend the quota of the limits it did pass; the
script checks every counter and only then counts, atomically, in one round trip.

If Redis cannot be reached the request passes (fail open) and the failure is logged: limits
protect the service, they must not take it down with the cache.

This module knows no app: the API base (`core.api.views`) and the ingestion view tell it which
limits apply. The clock is an attribute of the limiter so tests move time without sleeping.
"""

import math
import time
from dataclasses import dataclass

import structlog
from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled

logger = structlog.get_logger(__name__)

WINDOW_SECONDS = 60

# KEYS: one counter per limit (this window); ARGV[1]: cost; ARGV[2]: TTL; ARGV[3..]: each limit.
# Returns {1, count...} counted, or {0, count...} refused (counts before this request).
_CHECK_AND_COUNT = """
local cost = tonumber(ARGV[1])
local counts = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key) or '0')
  if counts[i] + cost > tonumber(ARGV[i + 2]) then allowed = 0 end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCRBY', key, cost)
    redis.call('EXPIRE', key, tonumber(ARGV[2]))
  end
end
table.insert(counts, 1, allowed)
return counts
"""


@dataclass(frozen=True)
class Limit:
    """At most `quota` units (requests, rows) per window for `name` (e.g. "req:tenant:7")."""

    name: str
    quota: int


@dataclass(frozen=True)
class LimitState:
    limit: Limit
    remaining: int


@dataclass(frozen=True)
class Decision:
    """The outcome of one check: allowed or not, each limit's remaining quota, seconds until the window renews."""

    allowed: bool
    states: tuple[LimitState, ...]
    reset: int

    @property
    def binding(self) -> LimitState:
        """The limit with the least left: the one a client must respect (the one that refused, if any)."""
        return min(self.states, key=lambda state: (state.remaining, state.limit.quota))

    def headers(self) -> dict[str, str]:
        """IETF draft `RateLimit-Policy` (every limit, the binding one first) and `RateLimit` (the binding one)."""
        binding = self.binding
        quotas = [binding.limit.quota, *(state.limit.quota for state in self.states if state is not binding)]
        policy = ", ".join(f"{quota};w={WINDOW_SECONDS}" for quota in dict.fromkeys(quotas))
        headers = {
            "RateLimit-Policy": policy,
            "RateLimit": f"limit={binding.limit.quota}, remaining={binding.remaining}, reset={self.reset}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset)
        return headers


class RateLimiter:
    """Checks and counts `cost` units against every limit at once; None when Redis is unreachable."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._scripts = {}

    def _script(self, client):
        # One registered script per connection pool (tests swap the cache's Redis).
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(_CHECK_AND_COUNT)
        return script

    def hit(self, limits: list[Limit], cost: int = 1) -> Decision | None:
        if not limits:
            return None
        now = self.clock()
        window = math.floor(now / WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = [f"{prefix}:ratelimit:{limit.name}:{window}" for limit in limits]
        try:
            client = get_redis_connection("default")
            allowed, *counts = self._script(client)(
                keys=keys, args=[cost, WINDOW_SECONDS + 1, *(limit.quota for limit in limits)]
            )
        except RedisError as error:
            logger.warning("ratelimit_unavailable", error=str(error), limits=[limit.name for limit in limits])
            return None
        states = tuple(
            LimitState(limit=limit, remaining=max(0, limit.quota - count))
            for limit, count in zip(limits, counts, strict=True)
        )
        return Decision(allowed=bool(allowed), states=states, reset=reset)


limiter = RateLimiter()


def _floored(quota: int) -> int:
    return max(quota, settings.RATE_LIMIT_FLOOR)


def principal_name(user) -> str:
    """An API key (its principal carries `.key`) or a user, as a counter name."""
    key = getattr(user, "key", None)
    return f"key:{key.pk}" if key is not None else f"user:{user.pk}"


def request_limits(user, tenant) -> list[Limit]:
    """Requests per minute for a caller: its tenant's plan, shared by the tenant and capped per principal.

    Every principal of a tenant (its API keys, its people) spends the plan's `api_requests_per_minute`
    together; one principal may spend at most `API_PRINCIPAL_SHARE_PERCENT` of it. Without a plan (the
    staff host, a tenant without a plan) each user gets `API_STAFF_REQUESTS_PER_MINUTE`.
    """
    if user is None or not user.is_authenticated:
        return []
    principal = principal_name(user)
    plan = getattr(tenant, "plan", None) if tenant is not None else None
    if plan is None:
        return [Limit(f"req:{principal}", _floored(settings.API_STAFF_REQUESTS_PER_MINUTE))]
    tenant_quota = _floored(plan.api_requests_per_minute)
    principal_quota = max(1, tenant_quota * settings.API_PRINCIPAL_SHARE_PERCENT // 100)
    return [
        Limit(f"req:tenant-{tenant.pk}:{principal}", principal_quota),
        Limit(f"req:tenant-{tenant.pk}", tenant_quota),
    ]


def ingest_rows_limits(tenant) -> list[Limit]:
    """Rows ingested per minute: the tenant's plan (`ingest_rows_per_minute`), none without a plan."""
    plan = getattr(tenant, "plan", None)
    return [Limit(f"rows:tenant-{tenant.pk}", _floored(plan.ingest_rows_per_minute))] if plan is not None else []


def refusal_raise(decision: Decision | None, message: str) -> None:
    """A refused check as DRF's 429; the API's error handler adds `Retry-After`."""
    if decision is not None and not decision.allowed:
        raise Throttled(wait=decision.reset, detail=str(message))
