from django.core.management.base import BaseCommand, CommandError

from tenants.isolation import audit_all


class Command(BaseCommand):
    help = (
        "Check every tenant's isolation (search path, tables in its own schema, none in public). Non-zero on any leak."
    )

    def handle(self, *args, **options):
        reports = audit_all()
        for report in reports:
            self.stdout.write(f"{'ok' if report.ok else 'LEAK':>4}  {report.tenant}")
            for problem in report.problems:
                self.stdout.write(f"      {problem}")
        leaks = [report.tenant for report in reports if not report.ok]
        if leaks:
            raise CommandError(f"isolation problems in: {', '.join(leaks)}")
