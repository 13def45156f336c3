from django import forms
from django.contrib.auth.forms import PasswordResetForm

from accounts.models import StaffToken, User
from accounts.roles import INTERNAL_ROLES, Role


class TenantPasswordResetForm(PasswordResetForm):
    """Sends reset links only to people who belong on this host: members here, or staff on the public host."""

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def get_users(self, email):
        users = User.objects.filter(email__iexact=email, is_active=True)
        if self.tenant is None or self.tenant.is_public:
            users = users.filter(groups__name__in=[role.value for role in INTERNAL_ROLES])
        else:
            users = users.filter(memberships__tenant=self.tenant)
        # Unlike Django's default, users without a password yet are included: the link sets the first one.
        return iter(users.distinct())


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name"]


class InviteUserForm(forms.Form):
    email = forms.EmailField()
    name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(
        choices=[(Role.TENANT_USER.value, Role.TENANT_USER.label), (Role.TENANT_ADMIN.value, Role.TENANT_ADMIN.label)]
    )


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(Role.TENANT_USER.value, Role.TENANT_USER.label), (Role.TENANT_ADMIN.value, Role.TENANT_ADMIN.label)]
    )


class StaffTokenForm(forms.Form):
    """A personal access token's name, scopes and expiry (accounts.staff_tokens checks who may have which)."""

    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=StaffToken.Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.TypedChoiceField(
        choices=[("", "Never"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )
