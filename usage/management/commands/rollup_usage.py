from datetime import UTC, date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from usage.rollup import rollup_tenant


class Command(BaseCommand):
    help = "Roll up raw agent requests into daily usage for a UTC day range (default: yesterday). Idempotent."

    def add_arguments(self, parser):
        yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        parser.add_argument("--from", dest="start", default=yesterday, help="first UTC day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", default=None, help="last UTC day, YYYY-MM-DD (default: --from)")
        parser.add_argument("--tenant", help="one tenant's slug (default: every active tenant)")

    def handle(self, *args, start, end, tenant, **options):
        try:
            first = date.fromisoformat(start)
            last = date.fromisoformat(end) if end else first
        except ValueError as exc:
            raise CommandError(f"--from/--to must be YYYY-MM-DD: {exc}") from None
        if last < first:
            raise CommandError("--to must not be before --from")
        tenants = Tenant.objects.customers().select_related("plan")
        tenants = tenants.filter(slug=tenant) if tenant else tenants.filter(status=Tenant.Status.ACTIVE)
        if tenant and not tenants:
            raise CommandError(f"No tenant with slug {tenant!r}.")
        failed = []
        for one in tenants:
            try:
                result = rollup_tenant(tenant=one, start=first, end=last)
            except Exception as exc:  # one tenant's failure must not stop the others
                failed.append(one.slug)
                self.stderr.write(f"{one.slug}: failed: {type(exc).__name__}: {exc}")
                continue
            self.stdout.write(f"{one.slug}: {result.rows} daily rows, {result.incidents} incidents opened")
        if failed:
            raise CommandError(f"roll-up failed for {', '.join(failed)}")
