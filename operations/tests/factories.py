"""Incidents and operational commands (public schema)."""

import factory

from operations.models import Command, CommandStatus, CommandType, Incident
from tenants.tests.factories import TenantRowFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    tenant = factory.SubFactory(TenantRowFactory)
    severity = Incident.Severity.WARNING
    title = factory.Sequence(lambda n: f"Incident {n}")
    status = Incident.Status.OPEN
    source = "factory"


class CommandFactory(factory.django.DjangoModelFactory):
    """A pending command; it is not sent to the broker (use operations.commands.command_create for that)."""

    class Meta:
        model = Command

    tenant = factory.SubFactory(TenantRowFactory)
    type = CommandType.HEALTH_CHECK
    status = CommandStatus.PENDING
