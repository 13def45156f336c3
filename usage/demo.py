"""Demo usage: the agent catalogue, each demo tenant's agents and integrations, and 90 days of
agent requests with weekday and hour-of-day shapes and a few bad days, written with COPY
and rolled up. Idempotent: a tenant that already has requests is left alone."""

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django_tenants.utils import tenant_context

from agents.models import AgentType, TenantAgent
from integrations.models import Integration
from usage.models import AgentRequest
from usage.rollup import rollup_tenant
from vault import SecretAlreadyExists, get_secret_store, new_random_secret

CATALOGUE = [
    dict(
        code="whatsapp-sdr",
        name="WhatsApp SDR",
        description="Qualifies inbound leads on WhatsApp.",
        channels=["whatsapp"],
        price_per_1k_tokens=Decimal("0.0200"),
    ),
    dict(
        code="email-nurture",
        name="E-mail Nurture",
        description="Follows up leads by e-mail.",
        channels=["email"],
        price_per_1k_tokens=Decimal("0.0120"),
    ),
    dict(
        code="calendar-scheduler",
        name="Calendar Scheduler",
        description="Books meetings.",
        channels=["calendar", "email"],
        price_per_1k_tokens=Decimal("0.0150"),
    ),
    dict(
        code="crm-sync",
        name="CRM Sync",
        description="Keeps the CRM up to date.",
        channels=["crm"],
        price_per_1k_tokens=Decimal("0.0080"),
    ),
    dict(
        code="support-triage",
        name="Support Triage",
        description="Answers and routes support requests.",
        channels=["whatsapp", "email"],
        price_per_1k_tokens=Decimal("0.0250"),
    ),
]
# slug → (daily requests at the base, agents, integrations, bad days: (days ago, agent code, error share))
TENANT_SHAPES = {
    "acme": (
        1200,
        ["whatsapp-sdr", "email-nurture", "calendar-scheduler", "crm-sync"],
        [("whatsapp", "Sales number"), ("email", "Sales inbox"), ("calendar", "Team calendar"), ("crm", "HubSpot")],
        [(9, "whatsapp-sdr", 0.18), (40, "email-nurture", 0.12)],
    ),
    "globex": (
        3000,
        ["whatsapp-sdr", "email-nurture", "calendar-scheduler", "crm-sync", "support-triage"],
        [
            ("whatsapp", "Support line"),
            ("whatsapp", "Sales line"),
            ("email", "Helpdesk"),
            ("crm", "Salesforce"),
            ("webhook", "Data lake"),
        ],
        [(3, "support-triage", 0.25), (21, "crm-sync", 0.09)],
    ),
    "initech": (
        300,
        ["email-nurture", "crm-sync"],
        [("email", "Main inbox"), ("crm", "Pipedrive")],
        [(15, "crm-sync", 0.3)],
    ),
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 8, 6, 4, 3, 2, 1, 1]
WEEKDAY_FACTOR = [1.0, 1.05, 1.0, 0.95, 0.9, 0.45, 0.3]
COLUMNS = ("agent_id", "started_at", "duration_ms", "outcome", "tokens_in", "tokens_out", "channel", "error_code")


def catalogue_ensure() -> dict[str, AgentType]:
    return {spec["code"]: AgentType.objects.update_or_create(code=spec["code"], defaults=spec)[0] for spec in CATALOGUE}


def _integrations_ensure(tenant, specs) -> None:
    store = get_secret_store()
    for kind, name in specs:
        secret_name = f"tenant/{tenant.slug}/integration/{kind}/{name.lower().replace(' ', '-')}"
        try:
            store.put(
                secret_name,
                new_random_secret(),
                tags={"tenant": tenant.slug, "kind": "integration-token"},
                actor="demo",
            )
        except SecretAlreadyExists:
            pass
        # The Cloud API sends from a business number: a WhatsApp integration names its phone number id.
        config = {"phone_number_id": f"10654035224{len(name):04d}"} if kind == "whatsapp" else {}
        Integration.objects.get_or_create(kind=kind, name=name, defaults={"secret_ref": secret_name, "config": config})


def _rows(rng: random.Random, agents: dict[str, TenantAgent], base: int, bad_days, days: int, today):
    hour_total = sum(HOUR_WEIGHTS)
    bad = {(ago, code): share for ago, code, share in bad_days}
    codes = list(agents)
    for ago in range(days, -1, -1):
        day = today - timedelta(days=ago)
        growth = 1 + (days - ago) / days * 0.3  # customers grow over the quarter
        for code in codes:
            agent = agents[code]
            channel = agent.agent_type.channels[0]
            volume = base / len(codes) * WEEKDAY_FACTOR[day.weekday()] * growth * rng.uniform(0.85, 1.15)
            if ago == 0:
                volume *= datetime.now(UTC).hour / 24  # today so far
            error_share = bad.get((ago, code), 0.012)
            for hour, weight in enumerate(HOUR_WEIGHTS):
                if ago == 0 and hour >= datetime.now(UTC).hour:
                    break
                for _ in range(int(volume * weight / hour_total + rng.random())):
                    started = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=UTC)
                    roll = rng.random()
                    if roll < error_share * 0.8:
                        outcome, error_code, duration = (
                            "error",
                            rng.choice(["upstream_5xx", "rate_limited", "bad_payload"]),
                            int(rng.lognormvariate(6.5, 0.6)),
                        )
                    elif roll < error_share:
                        outcome, error_code, duration = "timeout", "timeout", 30000
                    else:
                        outcome, error_code, duration = "success", "", int(rng.lognormvariate(6.6, 0.55))
                    yield (
                        agent.pk,
                        started,
                        max(duration, 5),
                        outcome,
                        rng.randint(200, 1600),
                        rng.randint(80, 900),
                        channel,
                        error_code,
                    )


def usage_demo_load(*, tenants, days: int = 90) -> None:
    types = catalogue_ensure()
    today = datetime.now(UTC).date()
    for tenant in tenants:
        base, agent_codes, integration_specs, bad_days = TENANT_SHAPES[tenant.slug]
        with tenant_context(tenant):
            agents = {code: TenantAgent.objects.get_or_create(agent_type=types[code])[0] for code in agent_codes}
            for agent in agents.values():
                agent.agent_type = types[[c for c in agent_codes if types[c].pk == agent.agent_type_id][0]]
            _integrations_ensure(tenant, integration_specs)
            if AgentRequest.objects.exists():
                continue
            rng = random.Random(f"demo-{tenant.slug}")
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY usage_agentrequest ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in _rows(rng, agents, base, bad_days, days, today):
                        copy.write_row(row)
                if tenant.slug == "initech":
                    # The CRM token has just expired: the last requests on that channel fail authorisation.
                    crm = agents["crm-sync"]
                    now = datetime.now(UTC)
                    for minutes in (3, 2, 1):
                        AgentRequest.objects.create(
                            agent=crm,
                            started_at=now - timedelta(minutes=minutes),
                            duration_ms=120,
                            outcome="error",
                            tokens_in=0,
                            tokens_out=0,
                            channel="crm",
                            error_code="auth_failed",
                        )
        rollup_tenant(tenant=tenant, start=today - timedelta(days=days), end=today)
