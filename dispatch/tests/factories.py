"""Leads (tenant schema: pass `tenant=`)."""

import factory

from dispatch.models import Lead
from tenants.tests.factories import InTenantSchemaFactory


class LeadFactory(InTenantSchemaFactory):
    """A new lead reachable by e-mail only; `whatsapp=True` also gives a phone and WhatsApp opt-in."""

    class Meta:
        model = Lead

    name = factory.Sequence(lambda n: f"Lead {n}")
    email = factory.Sequence(lambda n: f"lead{n}@factory.test")
    email_opt_in = True
    preferred_channel = Lead.Channel.EMAIL
    status = Lead.Status.NEW
    source = "factory"

    class Params:
        whatsapp = factory.Trait(
            phone=factory.Sequence(lambda n: f"+5511{n:09d}"),
            whatsapp_opt_in=True,
            preferred_channel=Lead.Channel.WHATSAPP,
        )
