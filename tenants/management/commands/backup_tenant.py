from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management import command_error
from tenants.backups import backup_tenant
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Back up one tenant: its schema (pg_dump -n) and its public rows."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        tenant = Tenant.objects.customers().filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        try:
            backup = backup_tenant(tenant=tenant, actor_email="manage.py backup_tenant")
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"backup {backup.pk}: {backup.location}  {backup.size_bytes} bytes, verified")
