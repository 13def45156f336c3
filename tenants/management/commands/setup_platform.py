from django.core.management.base import BaseCommand

from tenants.services import public_tenant_ensure, template_schema_sync


class Command(BaseCommand):
    help = "Make the platform ready after migrations: public tenant and host, migrated template schema."

    def handle(self, *args, **options):
        tenant = public_tenant_ensure()
        template_schema_sync(verbosity=max(options["verbosity"] - 1, 0))
        self.stdout.write(f"public host ready: {tenant.domains.get(is_primary=True).domain}; template schema synced")
