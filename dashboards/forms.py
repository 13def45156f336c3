"""Every page form and page filter, declared: a bad value is a field error (400 or a message), never a 500.

Django's CharField refuses NUL characters and, with `max_length`, over-long values; ids are ASCII digits
within bigint (dashboards/fields.py). The services still check the values themselves: these forms check
shapes, and `dashboards/messages.py` puts a service's refusal on the field it names.
"""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.fields import CustomerTenantField, MultipleIdField, ReturnPathField, WholeNumberField
from operations.commands_models import CommandStatus, CommandType
from operations.models import Incident
from tenants.models import Tenant
from usage.selectors import PERIODS
from webhooks.models import EVENT_TYPES

DEFAULT_PERIOD = "30d"
TENANT_ORDERINGS = {
    "name": _("Name, A–Z"),
    "-name": _("Name, Z–A"),
    "-requests_30d": _("Most requests"),
    "requests_30d": _("Fewest requests"),
    "-created_at": _("Newest"),
    "created_at": _("Oldest"),
    "status": _("Status"),
    "-status": _("Status, reversed"),
}


def text(label, max_length: int, **kwargs) -> forms.CharField:
    """Optional text, stripped; NUL characters and more than `max_length` characters are refused."""
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def choice(label, choices, invalid=None, **kwargs) -> forms.ChoiceField:
    """An optional choice among `choices` (empty: no filter); `invalid` says what to choose instead."""
    messages = {"invalid_choice": invalid} if invalid else {}
    return forms.ChoiceField(
        label=label, choices=[("", _("Any")), *choices], required=False, error_messages=messages, **kwargs
    )


class FilterForm(forms.Form):
    """A page's filters, from its query string. `defaults` fill parameters left out (not ones left empty)."""

    defaults: dict = {}

    def __init__(self, data, **kwargs):
        data = data.copy()
        for name, value in self.defaults.items():
            data.setdefault(name, value)
        super().__init__(data, **kwargs)

    def query(self, **overrides) -> str:
        """The query string of the valid filters that filter something (for pages', sorting and export links)."""
        values = {}
        for name, value in {**self.cleaned_data, **overrides}.items():
            value = getattr(value, "pk", value)  # a tenant by its id
            if value not in (None, "") and value != self.fields[name].initial:
                values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return urlencode(values)


# The client dashboard


PERIOD_ERROR = _("choose 7, 30 or 90 days.")


class PeriodForm(FilterForm):
    defaults = {"period": DEFAULT_PERIOD}

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(period, period) for period in PERIODS],
        error_messages={"required": PERIOD_ERROR, "invalid_choice": PERIOD_ERROR},
    )


class UsageForm(PeriodForm):
    """The usage page's period and agent; the agents offered are the tenant's."""

    agent = forms.ChoiceField(
        label=_("Agent"),
        required=False,
        error_messages={"invalid_choice": _("there is no such agent. Pick one from the list.")},
    )

    def __init__(self, data, *, agents, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agent"].choices = [("", _("All agents"))] + [
            (agent.agent_type.code, agent.agent_type.name) for agent in agents
        ]


class ClientIncidentFilterForm(FilterForm):
    status = choice(_("Status"), Incident.Status.choices, invalid=_("choose open, acknowledged or resolved."))


# The company panel: filters


class TenantFilterForm(FilterForm):
    search = text(_("Search"), 200)
    status = choice(_("Status"), Tenant.Status.choices)
    plan = text(_("Plan"), 40)
    ordering = forms.ChoiceField(label=_("Sort"), choices=TENANT_ORDERINGS.items(), required=False, initial="name")

    def clean_ordering(self) -> str:
        return self.cleaned_data["ordering"] or "name"


class IncidentFilterForm(FilterForm):
    status = choice(_("Status"), Incident.Status.choices)
    severity = choice(_("Severity"), Incident.Severity.choices)
    tenant = CustomerTenantField(label=_("Tenant"), required=False)


class CommandFilterForm(FilterForm):
    tenant = CustomerTenantField(label=_("Tenant"), required=False)
    type = choice(_("Type"), CommandType.choices)
    status = choice(_("Status"), CommandStatus.choices)


class EventFilterForm(FilterForm):
    tenant = CustomerTenantField(label=_("Tenant"), required=False)
    actor = text(_("Actor"), 254)
    action = text(_("Action"), 80)
    vars()["from"] = forms.DateField(
        label=_("From"), required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": _("use YYYY-MM-DD.")}
    )
    to = forms.DateField(
        label=_("To"), required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": _("use YYYY-MM-DD.")}
    )


# The company panel: commands


class CommandParametersForm(forms.Form):
    """The parameters a command type may take, as text: the command's service checks each against the tenant."""

    PARAMETERS = ("integration_id", "agent_id", "reason", "channel", "since")

    integration_id = text(_("Integration id"), 20)
    agent_id = text(_("Agent id"), 20)
    reason = text(_("Reason"), 300)
    channel = text(_("Channel"), 20)
    since = text(_("Since"), 40)

    def parameters(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PARAMETERS if self.cleaned_data.get(name)}


class CommandForm(CommandParametersForm):
    tenant_id = CustomerTenantField(label=_("Tenant"), error_messages={"required": _("choose a tenant from the list.")})
    type = text(_("Command"), 20)
    back = ReturnPathField()


class BatchForm(CommandParametersForm):
    type = text(_("Command"), 20)
    tenant_ids = MultipleIdField(
        label=_("Tenants"), required=False, error_messages={"invalid": _("choose tenants from the list.")}
    )
    status = choice(_("Tenants with status"), Tenant.Status.choices)
    plan = text(_("Plan"), 40)
    concurrency = WholeNumberField(label=_("Concurrency"), required=False, max_digits=9)

    def clean_concurrency(self) -> int:
        concurrency = self.cleaned_data["concurrency"]
        return 5 if concurrency is None else concurrency


# The company panel: tenants


class ProvisionForm(forms.Form):
    """Shapes only, as the API's: the provisioning service checks the values and names every bad field at once."""

    name = text(_("Name"), 200)
    slug = text(_("Slug"), 40)
    plan = text(_("Plan"), 40)
    owner_name = text(_("Owner's name"), 200)
    owner_email = text(_("Owner's e-mail"), 254)
    owner_squad = text(_("Owner's squad"), 100)
    sla = forms.ChoiceField(label=_("SLA"), choices=Tenant.Sla.choices, required=False)
    contacts = text(_("Handover contacts"), 5000, widget=forms.Textarea)

    def clean_sla(self) -> str:
        return self.cleaned_data["sla"] or Tenant.Sla.STANDARD

    def clean_contacts(self) -> list[str]:
        """One contact per line; blank lines are skipped."""
        return [line for line in self.cleaned_data["contacts"].splitlines() if line.strip()]


class LifecycleForm(forms.Form):
    reason = text(_("Reason"), 300)


class SecretRotateForm(forms.Form):
    name = forms.CharField(label=_("Secret"), max_length=200)


class DispatchToggleForm(forms.Form):
    enabled = forms.TypedChoiceField(
        label=_("Dispatch"), choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1"
    )


class ReturnForm(forms.Form):
    """A form that only says where to go back to."""

    back = ReturnPathField()


# The client dashboard: dispatch


class LeadsImportForm(forms.Form):
    file = forms.FileField(label=_("File"), error_messages={"required": _("choose a CSV file.")})


class DispatchRunForm(forms.Form):
    real = forms.BooleanField(label=_("Send for real"), required=False)
    batch_size = WholeNumberField(label=_("Leads in this run"), required=False, max_digits=9)

    def clean_batch_size(self) -> int:
        batch_size = self.cleaned_data["batch_size"]
        return 100 if batch_size is None else batch_size


# Logging in across hosts


class HandoffForm(forms.Form):
    ticket = text(_("Ticket"), 100)


class ChooseTenantForm(forms.Form):
    tenant = text(_("Tenant"), 40)


class WebhookEndpointForm(forms.Form):
    """Where a tenant's events go (webhooks.services checks the address and the limit)."""

    url = forms.URLField(max_length=500, assume_scheme="https", label=_("Endpoint URL"))
    description = forms.CharField(max_length=200, required=False, label=_("Description"))
    events = forms.MultipleChoiceField(choices=EVENT_TYPES, widget=forms.CheckboxSelectMultiple, label=_("Events"))
