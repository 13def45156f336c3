"""What a tenant may still ingest: its plan's rows per minute, and this month's requests on a hard quota.

The API base already limits requests per minute (core/ratelimit.py); a batch of up to 1,000 rows is one
request, so rows have their own limit. A plan with `quota_hard` refuses ingestion once the month's
`requests_per_month` is used (today's live rows included); other plans only alert (usage/incidents.py).
"""

import math
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from core.ratelimit import ingest_rows_limits, limiter, refusal_raise
from usage.selectors import month_to_date


class QuotaExhausted(exceptions.APIException):
    status_code = 429
    default_code = "quota_exceeded"

    def __init__(self, detail, wait: int):
        super().__init__(detail)
        self.wait = wait  # DRF's handler turns it into Retry-After


def _seconds_to_next_month(now: datetime) -> int:
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((next_month - now).total_seconds()))


def ingest_allowed(*, tenant, rows: int) -> None:
    """Raise a 429 when `tenant` may not ingest `rows` more rows now; count them otherwise.

    The hard quota is checked first, so a batch it refuses spends none of the minute's rows.
    """
    plan = tenant.plan
    if plan is not None and plan.quota_hard:
        used = month_to_date(tenant=tenant)["usage"]["requests"]["used"]
        if used >= plan.requests_per_month:
            raise QuotaExhausted(
                _(
                    "The monthly quota of %(limit)s requests of plan %(plan)s is used up (%(used)s this month); "
                    "ingestion resumes next month."
                )
                % {"limit": plan.requests_per_month, "plan": plan.name, "used": used},
                wait=_seconds_to_next_month(datetime.fromtimestamp(limiter.clock(), UTC)),
            )
    decision = limiter.hit(ingest_rows_limits(tenant), cost=rows)
    refusal_raise(decision, _("Too many rows ingested this minute for this tenant's plan."))
