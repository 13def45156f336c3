from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management import command_error
from tenants.lifecycle import SCHEDULED_KINDS, credential_rotate, tenant_secrets
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Rotate a tenant's credentials now: its platform keys (JWT signing, webhook), or with --secret one named "
        "secret (the owner's password too: they are e-mailed a set-password link). History keeps no values."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--secret", help="the secret's full name, e.g. tenant/<slug>/webhook-api-key")

    def handle(self, *args, slug, secret, **options):
        tenant = Tenant.objects.customers().filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        if secret:
            names = [secret]
        else:
            names = [meta.name for meta in tenant_secrets(tenant) if meta.tags.get("kind") in SCHEDULED_KINDS]
        for name in names:
            try:
                meta = credential_rotate(tenant=tenant, secret_name=name, actor_email="manage.py rotate_credentials")
            except ValidationError as error:
                raise command_error(error) from None
            self.stdout.write(f"{meta.name} rotated to version {meta.version}")
