from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from accounts.management import command_error
from accounts.roles import INTERNAL_ROLES, Role
from accounts.services import internal_user_create, set_password_link


class Command(BaseCommand):
    help = "Create (or update) internal staff and print a set-password link. Never prints a password."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", required=True, choices=[role.value for role in INTERNAL_ROLES])

    def handle(self, *args, email, name, role, **options):
        try:
            user = internal_user_create(email=email, name=name, role=Role(role))
        except ValidationError as exc:
            raise command_error(exc) from None
        self.stdout.write(f"{user.email} is {role}.")
        self.stdout.write(f"Set-password link (works once): {set_password_link(user=user)}")
