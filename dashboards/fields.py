"""Form fields for the pages' numbers, ids and return paths: one rule each, as the API's (core/api/inputs.py)."""

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from core.api.params import MAX_ID, whole_number
from tenants.selectors import customer_tenant


class WholeNumberField(forms.Field):
    """A whole number in ASCII digits ("²", "١", "1e3" and "-1" are refused: Django's IntegerField takes "١")."""

    default_error_messages = {"invalid": _("a whole number.")}

    def __init__(self, *, min_value: int = 0, max_value: int | None = None, max_digits: int = 19, **kwargs):
        self.min_value, self.max_value, self.max_digits = min_value, max_value, max_digits
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        # The length first: int() of thousands of digits is slow, and refused past 4,300 of them.
        number = whole_number(value) if isinstance(value, str) and len(value) <= self.max_digits else None
        if number is None or number < self.min_value or (self.max_value is not None and number > self.max_value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdField(WholeNumberField):
    """A primary key: ASCII digits, 1 to the largest bigint."""

    default_error_messages = {"invalid": _("choose one from the list.")}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class MultipleIdField(forms.Field):
    """Several primary keys (a multiple choice posted as repeated parameters)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("choose one from the list.")}

    def to_python(self, value):
        if not value:
            return []
        field = IdField(error_messages={"invalid": self.error_messages["invalid"]})
        return [field.clean(item) for item in value]


class CustomerTenantField(IdField):
    """A customer tenant by id: the tenant, or a field error for an id that names none (never the public one)."""

    default_error_messages = {"invalid": _("choose a tenant from the list.")}

    def to_python(self, value):
        tenant_id = super().to_python(value)
        if tenant_id is None:
            return None
        tenant = customer_tenant(tenant_id=tenant_id)
        if tenant is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return tenant


class ReturnPathField(forms.CharField):
    """Where to go back to after a form: a path on this site, or "" (another site's URL is dropped, not followed)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=2000, **kwargs)

    def clean(self, value):
        try:
            path = super().clean(value)
        except forms.ValidationError:
            return ""
        return path if path and url_has_allowed_host_and_scheme(path, allowed_hosts=set(), require_https=False) else ""
