"""Demo leads, so the Dispatch page has something to decide on. Idempotent."""

import random

from django_tenants.utils import tenant_context

from dispatch.models import Lead

FIRST = [
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elisa",
    "Felipe",
    "Gabi",
    "Heitor",
    "Iara",
    "João",
    "Kátia",
    "Lucas",
    "Marina",
    "Nuno",
]
LAST = ["Silva", "Souza", "Costa", "Lima", "Rocha", "Alves", "Pereira", "Gomes"]
ZONES = ["America/Sao_Paulo", "America/Sao_Paulo", "America/Manaus", "Europe/Lisbon", "America/New_York"]


def leads_demo_load(*, tenants, per_tenant: int = 24) -> None:
    for tenant in tenants:
        rng = random.Random(f"leads-{tenant.slug}")
        with tenant_context(tenant):
            if Lead.objects.exists():
                continue
            leads = []
            for number in range(per_tenant):
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                local = (
                    name.lower()
                    .replace(" ", ".")
                    .replace("á", "a")
                    .replace("ã", "a")
                    .replace("í", "i")
                    .replace("ú", "u")
                )
                leads.append(
                    Lead(
                        name=name,
                        phone=f"+55119{rng.randrange(10_000_000, 99_999_999)}",
                        email=f"{local}{number}@example.com",
                        whatsapp_opt_in=rng.random() < 0.6,
                        email_opt_in=rng.random() < 0.7,
                        wants_meeting=rng.random() < 0.2,
                        time_zone=rng.choice(ZONES),
                        status="do_not_contact" if rng.random() < 0.08 else "new",
                        source="demo",
                    )
                )
            Lead.objects.bulk_create(leads)
