from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management import command_error
from tenants.backups import restore_tenant
from tenants.models import Backup


class Command(BaseCommand):
    help = "Restore a tenant backup into its tenant (replacing its schema) or, with --as, into a new tenant."

    def add_arguments(self, parser):
        parser.add_argument("backup_id", type=int)
        parser.add_argument("--as", dest="target", help="a new slug to restore into")

    def handle(self, *args, backup_id, target, **options):
        backup = Backup.objects.filter(pk=backup_id, kind=Backup.Kind.TENANT).first()
        if backup is None:
            raise CommandError(f"No tenant backup {backup_id}.")
        try:
            tenant = restore_tenant(backup=backup, target_slug=target, actor_email="manage.py restore_tenant")
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"restored into {tenant.slug}")
