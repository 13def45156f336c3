from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management import command_error
from tenants.models import Tenant
from tenants.provisioning import provisioning_request_from, provisioning_run


class Command(BaseCommand):
    help = "Provision a tenant (pre-checks, schema, seed, secrets, owner, smoke test, isolation audit) and print each step."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--plan", required=True)
        parser.add_argument("--owner-name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-squad", default="")
        parser.add_argument("--sla", default=Tenant.Sla.STANDARD, choices=Tenant.Sla.values)
        parser.add_argument(
            "--contact",
            action="append",
            default=[],
            metavar="'NAME, E-MAIL[, ROLE]'",
            help="a handover contact (repeat for more)",
        )

    def handle(self, *args, **options):
        try:
            run = provisioning_request_from({**options, "contacts": options["contact"]}, start=False)
        except ValidationError as error:
            raise command_error(error) from None
        run = provisioning_run(run.pk)
        for step in run.steps:
            self.stdout.write(f"{step['status']:>8}  {step['name']:<16} {step.get('seconds', '')}")
            for line in step["log"]:
                self.stdout.write(f"          {line}")
        if run.status != "succeeded":
            raise CommandError(f"provisioning failed at {run.failed_step}: {run.error}")
        self.stdout.write(f"{run.slug} is active.")
