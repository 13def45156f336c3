from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management import command_error
from accounts.roles import TENANT_ROLES, Role
from accounts.services import membership_set, set_password_link, user_ensure
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Create (or update) a tenant user and print a set-password link. Never prints a password."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--role", required=True, choices=[role.value for role in TENANT_ROLES])

    def handle(self, *args, email, name, tenant, role, **options):
        found = Tenant.objects.customers().filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with slug {tenant!r}.")
        try:
            user = user_ensure(email=email, name=name)
            membership_set(user=user, tenant=found, role=Role(role))
        except ValidationError as exc:
            raise command_error(exc) from None
        self.stdout.write(f"{user.email} is {role} of {found.slug}.")
        self.stdout.write(f"Set-password link (works once): {set_password_link(user=user, tenant=found)}")
