"""Reads of usage: a tenant's series and limits, and the cross-tenant views staff use.

Closed days come from UsageDaily (public, one query); today comes live from the tenant's
raw rows, so dashboards are never a day stale. Percentiles over a range come from summed
latency histograms.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django_tenants.utils import tenant_context

from agents.models import AgentType
from core.cache import GLOBAL, cached_read, tenant_scope
from operations.models import Incident
from tenants.models import Tenant
from tenants.selectors import tenant_list
from usage.latency import percentile_from_hist, sum_hists
from usage.models import UsageDaily
from usage.rollup import live_rows

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
FIELDS = ("requests", "successes", "errors", "timeouts", "tokens_in", "tokens_out")


class BadPeriod(ValidationError):
    """A period or agent that is not one we report on; `message_dict` names the field."""


def period_days(period: str) -> int:
    if period not in PERIODS:
        raise BadPeriod({"period": f"Choose one of {', '.join(PERIODS)}."})
    return PERIODS[period]


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass
class Totals:
    requests: int = 0
    successes: int = 0
    errors: int = 0
    timeouts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal("0")
    weighted_ms: float = 0.0

    def add(self, row: dict) -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + int(row.get(name) or 0))
        self.cost += Decimal(row.get("cost") or 0)
        self.weighted_ms += float(row.get("avg_ms") or 0) * int(row.get("requests") or 0)

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in FIELDS},
            "tokens": self.tokens_in + self.tokens_out,
            "cost": str(self.cost.quantize(Decimal("0.01"))),
            "success_rate": round(self.successes / self.requests, 4) if self.requests else None,
            "error_rate": round((self.errors + self.timeouts) / self.requests, 4) if self.requests else None,
            "avg_ms": round(self.weighted_ms / self.requests, 1) if self.requests else None,
        }


def _daily_rows(tenant, start: date, end: date, agent_type_id: int | None) -> list[dict]:
    """Per agent type and day: rolled-up days before today, live rows for today."""
    today = utc_today()
    rows = UsageDaily.objects.filter(tenant=tenant, day__range=(start, min(end, today - timedelta(days=1))))
    if agent_type_id:
        rows = rows.filter(agent_type_id=agent_type_id)
    result = list(rows.values("agent_type_id", "day", *FIELDS, "cost", "avg_ms", "latency_hist"))
    if end >= today:
        with tenant_context(tenant):
            live = live_rows(tenant=tenant, day=today)
        result += [row for row in live if not agent_type_id or row["agent_type_id"] == agent_type_id]
    return result


def tenant_usage(*, tenant, period: str, agent_code: str = "") -> dict:
    """Daily series and totals for the last 7/30/90 UTC days (today included, live)."""
    days = period_days(period)
    agent_type_id = None
    if agent_code:
        agent_type_id = AgentType.objects.filter(code=agent_code).values_list("pk", flat=True).first()
        if agent_type_id is None:
            raise BadPeriod({"agent": "There is no agent with this code."})
    end = utc_today()
    start = end - timedelta(days=days - 1)
    rows = _daily_rows(tenant, start, end, agent_type_id)
    by_day: dict[date, Totals] = defaultdict(Totals)
    totals = Totals()
    hists = []
    for row in rows:
        by_day[row["day"]].add(row)
        totals.add(row)
        hists.append(row["latency_hist"])
    series = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        figures = by_day[day].as_dict() if day in by_day else Totals().as_dict()
        series.append({"day": day.isoformat(), "live": day == end, **figures})
    summed = sum_hists(hists)
    return {
        "period": period,
        "agent": agent_code or None,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "series": series,
        "totals": {
            **totals.as_dict(),
            "p50_ms": percentile_from_hist(summed, 0.5),
            "p95_ms": percentile_from_hist(summed, 0.95),
        },
    }


def month_to_date(*, tenant) -> dict:
    """This month's requests and tokens (today live) against the plan's limits."""
    today = utc_today()
    rows = _daily_rows(tenant, today.replace(day=1), today, None)
    totals = Totals()
    for row in rows:
        totals.add(row)
    plan = tenant.plan
    used = {"requests": totals.requests, "tokens": totals.tokens_in + totals.tokens_out}
    limits = {"requests": plan.requests_per_month if plan else None, "tokens": plan.tokens_per_month if plan else None}
    return {
        "month": today.strftime("%Y-%m"),
        "usage": {
            metric: {
                "used": used[metric],
                "limit": limits[metric],
                "percent": round(used[metric] * 100 / limits[metric], 1) if limits[metric] else None,
            }
            for metric in used
        },
        "cost": str(totals.cost.quantize(Decimal("0.01"))),
        "success_rate": totals.as_dict()["success_rate"],
        "avg_ms": totals.as_dict()["avg_ms"],
    }


def tenants_with_usage(*, search: str = "", status: str = "", plan: str = "", ordering: str = "name"):
    """Customer tenants with 30-day requests and error rate, in one query whatever their number."""

    since = utc_today() - timedelta(days=30)
    usage = UsageDaily.objects.filter(tenant=OuterRef("pk"), day__gt=since).values("tenant")
    tenants = tenant_list(search=search, status=status, plan=plan).annotate(
        requests_30d=Coalesce(Subquery(usage.annotate(s=Sum("requests")).values("s")), 0),
        failures_30d=Coalesce(Subquery(usage.annotate(s=Sum(F("errors") + F("timeouts"))).values("s")), 0),
        # A correlated count, not a JOIN + GROUP BY: PostgreSQL then computes these columns for the
        # page's rows only (after ORDER BY … LIMIT), and COUNT(*) for the paginator drops them.
        open_incidents=Coalesce(
            Subquery(
                Incident.objects.filter(tenant=OuterRef("pk"), status="open")
                .values("tenant")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    )
    allowed = {"name", "-name", "created_at", "-created_at", "requests_30d", "-requests_30d", "status", "-status"}
    return tenants.order_by(ordering if ordering in allowed else "name", "pk")


def usage_overview(*, period: str) -> dict:
    """Totals across all tenants, top 10 tenants (requests, tokens, error rate), top agents, daily series."""
    days = period_days(period)
    end = utc_today()
    start = end - timedelta(days=days - 1)
    rows = UsageDaily.objects.filter(day__range=(start, end), tenant__in=Tenant.objects.customers())
    totals = rows.aggregate(
        requests=Coalesce(Sum("requests"), 0),
        errors=Coalesce(Sum("errors"), 0),
        timeouts=Coalesce(Sum("timeouts"), 0),
        tokens=Coalesce(Sum(F("tokens_in") + F("tokens_out")), 0),
        cost=Coalesce(Sum("cost"), Value(Decimal("0")), output_field=DecimalField()),
    )
    per_tenant = rows.values("tenant_id", "tenant__name", "tenant__slug").annotate(
        requests=Sum("requests"),
        tokens=Sum(F("tokens_in") + F("tokens_out")),
        failures=Sum(F("errors") + F("timeouts")),
    )
    per_tenant = list(per_tenant)
    for row in per_tenant:
        row["error_rate"] = round(row["failures"] / row["requests"], 4) if row["requests"] else 0.0

    def top(key):
        return [
            {"tenant_id": r["tenant_id"], "name": r["tenant__name"], "slug": r["tenant__slug"], key: r[key]}
            for r in sorted(per_tenant, key=lambda r: (-r[key], r["tenant__name"]))[:10]
        ]

    agents = (
        rows.values("agent_type__code", "agent_type__name")
        .annotate(
            requests=Sum("requests"),
            tokens=Sum(F("tokens_in") + F("tokens_out")),
            failures=Sum(F("errors") + F("timeouts")),
        )
        .order_by("-requests", "agent_type__name")[:10]
    )
    series = (
        rows.values("day").annotate(requests=Sum("requests"), failures=Sum(F("errors") + F("timeouts"))).order_by("day")
    )
    by_day = {row["day"]: row for row in series}
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "totals": {
            **totals,
            "cost": str(totals["cost"].quantize(Decimal("0.01"))),
            "error_rate": round((totals["errors"] + totals["timeouts"]) / totals["requests"], 4)
            if totals["requests"]
            else None,
        },
        "top_tenants_by_requests": top("requests"),
        "top_tenants_by_tokens": top("tokens"),
        "top_tenants_by_error_rate": top("error_rate"),
        "top_agents": [
            {
                "code": a["agent_type__code"],
                "name": a["agent_type__name"],
                "requests": a["requests"],
                "tokens": a["tokens"],
                "error_rate": round(a["failures"] / a["requests"], 4) if a["requests"] else 0.0,
            }
            for a in agents
        ],
        "series": [
            {
                "day": (start + timedelta(days=i)).isoformat(),
                "requests": by_day.get(start + timedelta(days=i), {}).get("requests", 0),
                "failures": by_day.get(start + timedelta(days=i), {}).get("failures", 0),
            }
            for i in range(days)
        ],
    }


def billing_overview(*, month_of: date | None = None) -> dict:
    """MRR from plans, usage cost and token overage per tenant for the month, top 10 by revenue, revenue by plan."""
    month_of = month_of or utc_today()
    first = month_of.replace(day=1)
    usage = UsageDaily.objects.filter(tenant=OuterRef("pk"), day__gte=first, day__lte=month_of).values("tenant")
    tenants = (
        Tenant.objects.customers()
        .filter(status__in=Tenant.SCHEMA_STATUSES, plan__isnull=False)
        .select_related("plan")
        .annotate(
            tokens=Coalesce(Subquery(usage.annotate(s=Sum(F("tokens_in") + F("tokens_out"))).values("s")), 0),
            usage_cost=Coalesce(
                Subquery(usage.annotate(s=Sum("cost")).values("s")), Value(Decimal("0")), output_field=DecimalField()
            ),
        )
    )
    rows = []
    by_plan: dict[str, dict] = {}
    mrr = Decimal("0")
    for tenant in tenants:
        plan = tenant.plan
        over_tokens = max(0, tenant.tokens - plan.tokens_per_month)
        overage = (Decimal(over_tokens) / 1000 * plan.overage_price_per_1k_tokens).quantize(Decimal("0.01"))
        revenue = plan.monthly_price + overage
        mrr += plan.monthly_price
        rows.append(
            {
                "tenant_id": tenant.pk,
                "name": tenant.name,
                "slug": tenant.slug,
                "plan": plan.code,
                "monthly_price": str(plan.monthly_price),
                "tokens": tenant.tokens,
                "token_limit": plan.tokens_per_month,
                "usage_cost": str(Decimal(tenant.usage_cost).quantize(Decimal("0.01"))),
                "overage": str(overage),
                "revenue": str(revenue),
            }
        )
        entry = by_plan.setdefault(
            plan.code, {"plan": plan.code, "name": plan.name, "tenants": 0, "revenue": Decimal("0")}
        )
        entry["tenants"] += 1
        entry["revenue"] += revenue
    rows.sort(key=lambda r: (-Decimal(r["revenue"]), r["name"]))
    return {
        "month": first.strftime("%Y-%m"),
        "mrr": str(mrr),
        "overage_total": str(sum((Decimal(r["overage"]) for r in rows), Decimal("0"))),
        "usage_cost_total": str(sum((Decimal(r["usage_cost"]) for r in rows), Decimal("0"))),
        "tenants": rows,
        "top_by_revenue": rows[:10],
        "revenue_by_plan": [
            {**v, "revenue": str(v["revenue"])} for v in sorted(by_plan.values(), key=lambda v: v["plan"])
        ],
    }


# The cached reads: each key string exists here only, shared by the API and the pages.
# A roll-up or a tenant change bumps the scope's version (core/cache.py), so none of them goes stale.


def tenant_usage_cached(*, tenant, period: str, agent_code: str = "") -> dict:
    period_days(period)  # a bad period is refused before it names a cache key
    return cached_read(
        tenant_scope(tenant),
        f"usage:{period}:{agent_code}",
        lambda: tenant_usage(tenant=tenant, period=period, agent_code=agent_code),
    )


def month_to_date_cached(*, tenant) -> dict:
    return cached_read(tenant_scope(tenant), "month", lambda: month_to_date(tenant=tenant))


def usage_overview_cached(*, period: str) -> dict:
    period_days(period)
    return cached_read(GLOBAL, f"overview:{period}", lambda: usage_overview(period=period))


def billing_overview_cached() -> dict:
    return cached_read(GLOBAL, "billing", billing_overview)
