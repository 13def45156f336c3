"""The roll-up against an independent Python computation on generated rows."""

import email
import email.policy
import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_set, user_ensure
from agents.models import TenantAgent
from integrations.models import Integration
from operations.commands import command_create, command_run
from operations.models import Incident
from tenants.models import Plan
from tests.smtp_peer import Inbox, smtp_peer
from usage.health import integration_health_check
from usage.latency import bucket_of
from usage.models import AgentRequest, UsageDaily, UsageDirtyDay
from usage.retention import raw_requests_purge
from usage.rollup import dirty_days_mark, rollup_tenant
from usage.selectors import utc_today
from usage.tasks import quota_mail_task

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 10)


def percentile_cont(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def generate(tenant, agents, rng, start: datetime, hours: int, count: int) -> list[AgentRequest]:
    rows = []
    for _ in range(count):
        rows.append(
            AgentRequest(
                agent=rng.choice(agents),
                started_at=start + timedelta(seconds=rng.randrange(hours * 3600)),
                duration_ms=int(rng.lognormvariate(6.5, 1.0)),
                outcome=rng.choices(["success", "error", "timeout"], [90, 7, 3])[0],
                tokens_in=rng.randrange(0, 2000),
                tokens_out=rng.randrange(0, 900),
                channel="email",
            )
        )
    with tenant_context(tenant):
        AgentRequest.objects.bulk_create(rows)
        # Exactly on both sides of a UTC midnight.
        AgentRequest.objects.create(
            agent=agents[0],
            started_at=datetime(2026, 11, 10, 23, 59, 59, 999000, tzinfo=UTC),
            duration_ms=111,
            outcome="success",
            tokens_in=1,
            tokens_out=1,
        )
        AgentRequest.objects.create(
            agent=agents[0],
            started_at=datetime(2026, 11, 11, 0, 0, 0, tzinfo=UTC),
            duration_ms=222,
            outcome="success",
            tokens_in=2,
            tokens_out=2,
        )
        return list(AgentRequest.objects.select_related("agent__agent_type"))


def expected_rows(requests: list[AgentRequest], first: date, last: date) -> dict:
    groups: dict = {}
    for request in requests:
        day = request.started_at.astimezone(UTC).date()
        if first <= day <= last:
            groups.setdefault((request.agent.agent_type_id, day), []).append(request)
    result = {}
    for (agent_type_id, day), rows in groups.items():
        durations = [r.duration_ms for r in rows]
        tokens = sum(r.tokens_in + r.tokens_out for r in rows)
        price = rows[0].agent.agent_type.price_per_1k_tokens
        hist = [0] * 16
        for d in durations:
            hist[bucket_of(d)] += 1
        result[(agent_type_id, day)] = {
            "requests": len(rows),
            "successes": sum(r.outcome == "success" for r in rows),
            "errors": sum(r.outcome == "error" for r in rows),
            "timeouts": sum(r.outcome == "timeout" for r in rows),
            "avg_ms": sum(durations) / len(durations),
            "p95_ms": percentile_cont(durations, 0.95),
            "tokens_in": sum(r.tokens_in for r in rows),
            "tokens_out": sum(r.tokens_out for r in rows),
            "cost": (Decimal(tokens) / 1000 * price).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            "latency_hist": hist,
        }
    return result


def actual_rows(tenant) -> dict:
    fields = (
        "requests",
        "successes",
        "errors",
        "timeouts",
        "avg_ms",
        "p95_ms",
        "tokens_in",
        "tokens_out",
        "cost",
        "latency_hist",
    )
    return {
        (row.agent_type_id, row.day): {f: getattr(row, f) for f in fields}
        for row in UsageDaily.objects.filter(tenant=tenant)
    }


@pytest.fixture
def seeded(fresh_tenant, agent_types):
    with tenant_context(fresh_tenant):
        agents = [
            TenantAgent.objects.create(agent_type=agent_types[code])
            for code in ("email-nurture", "crm-sync", "whatsapp-sdr")
        ]
    rng = random.Random(7)
    requests = generate(fresh_tenant, agents, rng, datetime(2026, 11, 9, 12, tzinfo=UTC), hours=60, count=3000)
    return fresh_tenant, requests


def test_rollup_matches_an_independent_computation_including_utc_day_boundaries(seeded):
    tenant, requests = seeded

    rollup_tenant(tenant=tenant, start=date(2026, 11, 9), end=date(2026, 11, 12), today=date(2026, 11, 12))

    expected, actual = expected_rows(requests, date(2026, 11, 9), date(2026, 11, 12)), actual_rows(tenant)
    assert set(actual) == set(expected)
    for key, row in expected.items():
        for field, value in row.items():
            if field in ("avg_ms", "p95_ms"):
                assert actual[key][field] == pytest.approx(value, rel=1e-9), (key, field)
            else:
                assert actual[key][field] == value, (key, field)
    assert sum(r["requests"] for r in actual.values()) == len(requests)


def test_a_range_rolls_up_only_its_days(seeded):
    tenant, requests = seeded
    rollup_tenant(tenant=tenant, start=DAY, end=DAY, today=DAY)
    assert {day for _, day in actual_rows(tenant)} == {DAY}
    assert sum(r["requests"] for r in actual_rows(tenant).values()) == sum(
        1 for r in requests if r.started_at.astimezone(UTC).date() == DAY
    )


def test_running_twice_gives_identical_rows(seeded):
    tenant, _ = seeded
    rollup_tenant(tenant=tenant, start=date(2026, 11, 9), end=date(2026, 11, 12), today=date(2026, 11, 12))
    first = actual_rows(tenant)
    incidents = Incident.objects.filter(tenant=tenant).count()

    rollup_tenant(tenant=tenant, start=date(2026, 11, 9), end=date(2026, 11, 12), today=date(2026, 11, 12))

    assert actual_rows(tenant) == first
    assert Incident.objects.filter(tenant=tenant).count() == incidents


def test_agent_counters_are_refreshed_from_the_last_30_days(seeded):
    tenant, requests = seeded
    rollup_tenant(tenant=tenant, start=date(2026, 11, 9), end=date(2026, 11, 12), today=date(2026, 11, 12))
    with tenant_context(tenant):
        for agent in TenantAgent.objects.all():
            mine = [r for r in requests if r.agent_id == agent.pk]
            assert agent.requests_30d == len(mine)
            assert agent.errors_30d == sum(r.outcome == "error" for r in mine)
            assert agent.tokens_30d == sum(r.tokens_in + r.tokens_out for r in mine)
            assert agent.last_request_at == max(r.started_at for r in mine)


def test_error_rate_above_threshold_opens_one_incident(fresh_tenant, agent_types, settings):
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        at = datetime(2026, 11, 10, 9, tzinfo=UTC)
        AgentRequest.objects.bulk_create(
            [
                AgentRequest(agent=agent, started_at=at, duration_ms=100, outcome="error" if i < 6 else "success")
                for i in range(100)
            ]
        )
    # While DAY is today its roll-up is partial: no verdict on its error rate yet.
    rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
    assert not Incident.objects.filter(tenant=fresh_tenant, source="rollup").exists()
    for _ in range(2):
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY + timedelta(days=1))
    incidents = Incident.objects.filter(tenant=fresh_tenant, source="rollup")
    assert incidents.count() == 1
    assert "6.0%" in incidents.get().title and "CRM Sync" in incidents.get().title

    settings.USAGE_ERROR_RATE_THRESHOLD = 0.10
    other = fresh_tenant
    Incident.objects.filter(tenant=other).delete()
    rollup_tenant(tenant=other, start=DAY, end=DAY, today=DAY + timedelta(days=1))
    assert not Incident.objects.filter(tenant=other, source="rollup").exists()


class FlakyInbox(Inbox):
    """An SMTP peer that refuses the first message with a temporary error, then accepts."""

    def __init__(self):
        super().__init__()
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if not self.refused:
            self.refused += 1
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky_smtp(settings):
    with smtp_peer(settings, FlakyInbox()) as inbox:
        yield inbox


def tiny_plan_give(tenant) -> None:
    """Put `tenant` on a plan of 100 requests a month (rolled back with the test)."""

    tenant.plan = Plan.objects.create(
        code="tiny",
        name="Tiny",
        monthly_price=1,
        requests_per_month=100,
        tokens_per_month=10**9,
        max_agents=3,
        max_integrations=3,
        overage_price_per_1k_tokens=0,
    )
    tenant.save(update_fields=["plan"])


def quota_used_up(tenant, agent_types) -> None:
    """`tenant` on the tiny plan with boss@fresh.test as its admin and all 100 requests used on DAY."""

    tiny_plan_give(tenant)
    membership_set(user=user_ensure(email="boss@fresh.test"), tenant=tenant, role=Role.TENANT_ADMIN)
    with tenant_context(tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        at = datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=UTC)
        AgentRequest.objects.bulk_create(
            [AgentRequest(agent=agent, started_at=at, duration_ms=50, outcome="success") for _ in range(100)]
        )


def test_quota_thresholds_open_one_incident_each_and_mail_the_admins(
    fresh_tenant, agent_types, flaky_smtp, eager, django_capture_on_commit_callbacks
):
    quota_used_up(fresh_tenant, agent_types)
    membership_set(user=user_ensure(email="staff@fresh.test"), tenant=fresh_tenant, role=Role.TENANT_USER)
    with django_capture_on_commit_callbacks(execute=True):
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
    with django_capture_on_commit_callbacks(execute=True):
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)

    keys = set(Incident.objects.filter(tenant=fresh_tenant, source="quota").values_list("dedupe_key", flat=True))
    assert keys == {"quota:requests:2026-11:80", "quota:requests:2026-11:90", "quota:requests:2026-11:100"}
    # The first e-mail was refused (451) and retried by the task; each threshold mailed exactly once.
    assert flaky_smtp.refused == 1
    assert [rcpts for rcpts, _ in flaky_smtp.messages] == [["boss@fresh.test"]] * 3
    subjects = sorted(
        email.message_from_string(body, policy=email.policy.default)["Subject"] for _, body in flaky_smtp.messages
    )
    assert subjects == [
        f"[Alquimista] Fresh Co: {threshold}% of the monthly requests limit reached (2026-11)"
        for threshold in (100, 80, 90)
    ]

    assert quota_mail_task.delay(Incident.objects.filter(tenant=fresh_tenant, source="quota").first().pk).get() == 0
    assert len(flaky_smtp.messages) == 3  # a second delivery of the task sends nothing


def test_consecutive_auth_failures_require_reauthorization_naming_the_channel(fresh_tenant, agent_types):
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["whatsapp-sdr"])
        integration = Integration.objects.create(kind="whatsapp", name="Sales number")
        other = Integration.objects.create(kind="email", name="Inbox")
        base = datetime(2026, 11, 10, 9, tzinfo=UTC)
        AgentRequest.objects.create(agent=agent, started_at=base, duration_ms=10, outcome="success", channel="whatsapp")
        AgentRequest.objects.create(
            agent=agent,
            started_at=base + timedelta(minutes=1),
            duration_ms=10,
            outcome="error",
            channel="whatsapp",
            error_code="auth_failed",
        )
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
        assert Integration.objects.get(pk=integration.pk).status == "ok"

        AgentRequest.objects.create(
            agent=agent,
            started_at=base + timedelta(minutes=2),
            duration_ms=10,
            outcome="error",
            channel="whatsapp",
            error_code="auth_failed",
        )
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
        integration.refresh_from_db()
        assert (integration.status, integration.consecutive_auth_failures) == ("reauth_required", 2)
        assert Integration.objects.get(pk=other.pk).status == "ok"
    incident = Incident.objects.get(tenant=fresh_tenant, source="integration-health")
    assert "WhatsApp" in incident.title and "Sales number" in incident.title


def test_one_failing_tenant_does_not_stop_the_others(fresh_tenant, acme, capsys):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE fresh_co.usage_agentrequest RENAME TO broken")

    with pytest.raises(Exception, match="fresh-co"):
        call_command("rollup_usage", "--from", (utc_today() - timedelta(days=1)).isoformat())

    out, err = capsys.readouterr()
    assert "acme:" in out and "globex:" in out and "initech:" in out
    assert "fresh-co: failed" in err


def test_retention_purges_only_old_raw_rows_and_keeps_rollups(fresh_tenant, agent_types):
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        for days_ago in (40, 36, 34, 1):
            AgentRequest.objects.create(
                agent=agent, started_at=now - timedelta(days=days_ago), duration_ms=5, outcome="success"
            )
    rollup_tenant(tenant=fresh_tenant, start=(now - timedelta(days=40)).date(), end=now.date(), today=now.date())
    rolled = UsageDaily.objects.filter(tenant=fresh_tenant).count()

    assert raw_requests_purge(tenant=fresh_tenant, now=now) == 2

    with tenant_context(fresh_tenant):
        assert AgentRequest.objects.count() == 2
    assert UsageDaily.objects.filter(tenant=fresh_tenant).count() == rolled == 4


def test_a_token_reset_clears_reauthorization_until_new_failures_after_it(acme):
    def auth_failures(agent, channel, count):
        for _ in range(count):
            AgentRequest.objects.create(
                agent=agent,
                started_at=datetime.now(UTC),
                duration_ms=10,
                outcome="error",
                channel=channel,
                error_code="auth_failed",
            )

    with tenant_context(acme):
        integration = Integration.objects.exclude(secret_ref="").order_by("pk").first()
        agent = TenantAgent.objects.order_by("pk").first()
        auth_failures(agent, integration.kind, 2)
        integration_health_check(tenant=acme)
        assert Integration.objects.get(pk=integration.pk).status == "reauth_required"

    command, _ = command_create(
        tenant=acme,
        command_type="RESET_TOKEN",
        parameters={"integration_id": integration.pk},
        actor=User.objects.get(email="admin@alquimista.test"),
    )
    assert command_run(command.pk).status == "SUCCESS"

    with tenant_context(acme):
        integration.refresh_from_db()
        assert integration.token_rotated_at is not None
        assert (integration.status, integration.token_version) == ("ok", 2)
        # The failures with the old token are still the channel's latest requests: they do not count.
        integration_health_check(tenant=acme)
        integration.refresh_from_db()
        assert (integration.status, integration.consecutive_auth_failures) == ("ok", 0)

        auth_failures(agent, integration.kind, 1)
        integration_health_check(tenant=acme)
        integration.refresh_from_db()
        assert (integration.status, integration.consecutive_auth_failures) == ("ok", 1)

        auth_failures(agent, integration.kind, 1)
        integration_health_check(tenant=acme)
        integration.refresh_from_db()
        assert (integration.status, integration.consecutive_auth_failures) == ("reauth_required", 2)
    assert set(
        Incident.objects.filter(tenant=acme, source="integration-health").values_list("dedupe_key", flat=True)
    ) == {f"reauth:{integration.pk}:v1", f"reauth:{integration.pk}:v2"}


def test_retention_keeps_raw_rows_of_days_not_yet_rolled_up(fresh_tenant, agent_types):
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        for days_ago in (40, 36, 1):
            AgentRequest.objects.create(
                agent=agent, started_at=now - timedelta(days=days_ago), duration_ms=5, outcome="success"
            )

    assert raw_requests_purge(tenant=fresh_tenant, now=now) == 0  # past retention, never rolled up

    rollup_tenant(tenant=fresh_tenant, start=(now - timedelta(days=40)).date(), end=now.date(), today=now.date())
    late_day = (now - timedelta(days=40)).date()
    with tenant_context(fresh_tenant):
        # A request of that day reported after its roll-up: the day is dirty again.
        AgentRequest.objects.create(
            agent=agent, started_at=now - timedelta(days=40, hours=1), duration_ms=5, outcome="error"
        )
        dirty_days_mark(days=[late_day])

    assert raw_requests_purge(tenant=fresh_tenant, now=now) == 1  # only the day 36 days ago
    with tenant_context(fresh_tenant):
        assert sorted(AgentRequest.objects.values_list("started_at", flat=True)) == [
            now - timedelta(days=40, hours=1),
            now - timedelta(days=40),
            now - timedelta(days=1),
        ]

    rollup_tenant(tenant=fresh_tenant, start=now.date(), end=now.date(), today=now.date())  # claims the dirty day

    assert UsageDaily.objects.get(tenant=fresh_tenant, day=late_day).requests == 2
    assert raw_requests_purge(tenant=fresh_tenant, now=now) == 2
    with tenant_context(fresh_tenant):
        assert not UsageDirtyDay.objects.exists()
        assert list(AgentRequest.objects.values_list("started_at", flat=True)) == [now - timedelta(days=1)]


def test_retention_keeps_a_day_rolled_up_only_while_it_was_in_progress(fresh_tenant, agent_types):
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        AgentRequest.objects.create(agent=agent, started_at=now - timedelta(days=40), duration_ms=5, outcome="success")
    day = (now - timedelta(days=40)).date()
    rollup_tenant(tenant=fresh_tenant, start=day, end=day, today=now.date())
    during = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    UsageDaily.objects.filter(tenant=fresh_tenant, day=day).update(rolled_up_at=during)

    assert raw_requests_purge(tenant=fresh_tenant, now=now) == 0


def test_late_requests_of_last_month_count_toward_that_months_quota(fresh_tenant, agent_types):
    tiny_plan_give(fresh_tenant)
    late = datetime(2026, 10, 31, 23, tzinfo=UTC)
    with tenant_context(fresh_tenant):
        agent = TenantAgent.objects.create(agent_type=agent_types["crm-sync"])
        AgentRequest.objects.bulk_create(
            [AgentRequest(agent=agent, started_at=late, duration_ms=50, outcome="success") for _ in range(85)]
        )
        dirty_days_mark(days=[late.date()])

    result = rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)

    assert result.late_days == (late.date(),)
    assert UsageDaily.objects.get(tenant=fresh_tenant, day=late.date()).requests == 85
    keys = set(Incident.objects.filter(tenant=fresh_tenant, source="quota").values_list("dedupe_key", flat=True))
    assert keys == {"quota:requests:2026-10:80"}
