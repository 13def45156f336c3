"""Demo data: plans, three tenants and a user for every role. Idempotent."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.roles import Role
from accounts.services import internal_role_set, membership_set, user_ensure
from dispatch.demo import leads_demo_load
from tenants.models import Plan, Tenant
from tenants.services import tenant_create
from usage.demo import usage_demo_load

PLANS = [
    dict(
        code="starter",
        name="Starter",
        monthly_price=Decimal("490.00"),
        requests_per_month=50_000,
        tokens_per_month=20_000_000,
        max_agents=2,
        max_integrations=3,
        overage_price_per_1k_tokens=Decimal("0.0200"),
        default_agents=["email-nurture"],
    ),
    dict(
        code="growth",
        name="Growth",
        monthly_price=Decimal("1490.00"),
        requests_per_month=250_000,
        tokens_per_month=45_000_000,
        max_agents=5,
        max_integrations=8,
        overage_price_per_1k_tokens=Decimal("0.0150"),
        default_agents=["whatsapp-sdr", "email-nurture"],
    ),
    dict(
        code="enterprise",
        name="Enterprise",
        monthly_price=Decimal("4900.00"),
        requests_per_month=2_000_000,
        tokens_per_month=400_000_000,
        max_agents=20,
        max_integrations=40,
        overage_price_per_1k_tokens=Decimal("0.0100"),
        default_agents=["whatsapp-sdr", "email-nurture", "calendar-scheduler", "support-triage"],
    ),
]
TENANTS = [
    dict(
        slug="acme",
        name="Acme Corporation",
        plan="growth",
        owner_name="Alice Souza",
        owner_squad="Sales Ops",
        sla=Tenant.Sla.PRIORITY,
    ),
    dict(
        slug="globex",
        name="Globex",
        plan="enterprise",
        owner_name="Hank Scorpio",
        owner_squad="Platform",
        sla=Tenant.Sla.CRITICAL,
    ),
    dict(
        slug="initech",
        name="Initech",
        plan="starter",
        owner_name="Bill Lumbergh",
        owner_squad="Support",
        sla=Tenant.Sla.STANDARD,
    ),
]


class DemoRefused(Exception):
    pass


def demo_load(*, password: str | None = None, usage_days: int = 90) -> dict:
    """Create (or bring back) the demo plans, tenants and users; returns who can log in."""
    if settings.ENVIRONMENT not in ("development", "test"):
        raise DemoRefused("Demo users are only created when ALQUIMISTA_ENV is development or test.")
    password = password or settings.DEMO_PASSWORD
    with transaction.atomic():
        plans = {}
        for spec in PLANS:
            plans[spec["code"]], _ = Plan.objects.update_or_create(code=spec["code"], defaults=spec)
    tenants = []
    for spec in TENANTS:
        tenant = Tenant.objects.filter(slug=spec["slug"]).first()
        if tenant is None:
            tenant = tenant_create(
                slug=spec["slug"],
                name=spec["name"],
                plan=plans[spec["plan"]],
                owner_name=spec["owner_name"],
                owner_email=f"admin@{spec['slug']}.test",
                owner_squad=spec["owner_squad"],
                sla=spec["sla"],
            )
        tenants.append(tenant)
    logins = []
    with transaction.atomic():
        for email, role in (
            ("admin@alquimista.test", Role.INTERNAL_ADMIN),
            ("support@alquimista.test", Role.INTERNAL_SUPPORT),
        ):
            user = user_ensure(email=email, name=role.label, password=password)
            internal_role_set(user=user, role=role)
            logins.append((email, role.label))
        for tenant in tenants:
            for local, role in (("admin", Role.TENANT_ADMIN), ("user", Role.TENANT_USER)):
                email = f"{local}@{tenant.slug}.test"
                user = user_ensure(email=email, name=f"{tenant.name} {role.label}", password=password)
                membership_set(user=user, tenant=tenant, role=role)
                logins.append((email, f"{role.label} of {tenant.slug}"))

    usage_demo_load(tenants=tenants, days=usage_days)

    leads_demo_load(tenants=tenants)
    return {"tenants": [tenant.slug for tenant in tenants], "logins": logins}
