from django.core.management.base import BaseCommand, CommandError

from alquimista.demo import DemoRefused, demo_load


class Command(BaseCommand):
    help = "Create the demo plans, tenants (acme, globex, initech) and a user for every role. Idempotent."

    def handle(self, *args, **options):
        try:
            result = demo_load()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"demo tenants: {', '.join(result['tenants'])}")
        for email, role in result["logins"]:
            self.stdout.write(f"  {email:<28} {role}")
