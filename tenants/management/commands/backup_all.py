from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from accounts.management import command_error
from tenants.backups import backup_all


class Command(BaseCommand):
    help = "pg_dump the whole database (custom format), verify it with pg_restore --list, record it."

    def handle(self, *args, **options):
        try:
            backup = backup_all(actor_email="manage.py backup_all")
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"{backup.location}  {backup.size_bytes} bytes, {backup.entries} entries, verified")
