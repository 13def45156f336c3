"""The Django admin site, asking the policy: staff open it. Model admins build on accounts/admin_base.py."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from accounts.policy import Action, can


class OpsAdminSite(admin.AdminSite):
    site_header = _("Alquimista Ops admin")
    site_title = _("Alquimista Ops admin")

    def has_permission(self, request):
        return request.user.is_active and can(request.user, Action.USE_DJANGO_ADMIN)


class OpsAdminConfig(AdminConfig):
    default_site = "alquimista.admin_site.OpsAdminSite"
