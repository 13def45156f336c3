"""A provisioning request: validated, recorded as a pending run, and started (its task is sent on commit)."""

import structlog
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from audit.services import event_record
from core.tasks import publish_on_commit
from tenants.models import Plan, ProvisioningRun, Tenant
from tenants.provisioning.steps import STEP_NAMES
from tenants.validation import validate_slug

logger = structlog.get_logger(__name__)


CONTACT_NAME_MAX = 200
# The run's (and the tenant's) text fields and their lengths: longer, or holding NUL, is a field error, not a 500.
TEXT_LIMITS = {"name": 200, "owner_name": 200, "owner_squad": 100}


def _text_errors(**values) -> dict:
    errors = {}
    for field, value in values.items():
        if not isinstance(value, str) or "\x00" in value:
            errors[field] = ["Give it as text, without NUL characters."]
        elif len(value.strip()) > TEXT_LIMITS[field]:
            errors[field] = [f"At most {TEXT_LIMITS[field]} characters."]
    return errors


def _contacts_clean(contacts) -> tuple[list[dict], list[str]]:
    """Handover contacts as {name, email, role}; the problems, by position, without echoing the values.

    A contact is a {name, email, role} object (API) or a "name, e-mail[, role]" line (panel, command).
    """

    if not isinstance(contacts, list):
        return [], ["Give a list of contacts."]
    cleaned, problems = [], []
    for number, contact in enumerate(contacts, start=1):
        if isinstance(contact, str):
            parts = [part.strip() for part in contact.split(",")]
            if len(parts) not in (2, 3):
                problems.append(f"Contact {number}: write it as name, e-mail[, role].")
                continue
            contact = dict(zip(("name", "email", "role"), parts, strict=False))
        if not isinstance(contact, dict) or not all(
            isinstance(contact.get(key, ""), str) for key in ("name", "email", "role")
        ):
            problems.append(f"Contact {number}: give a name, an e-mail and optionally a role, as text.")
            continue
        name, email, role = (contact.get(key, "").strip() for key in ("name", "email", "role"))
        if any("\x00" in value for value in (name, email, role)) or len(name) > CONTACT_NAME_MAX:
            problems.append(f"Contact {number}: text without NUL characters, a name of at most {CONTACT_NAME_MAX}.")
            continue
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Contact {number}: enter a valid e-mail address.")
            continue
        if not name:
            problems.append(f"Contact {number}: the name is required.")
            continue
        cleaned.append({"name": name, "email": email.lower(), "role": role[:100]})
    return cleaned, problems


def provisioning_request(
    *,
    slug: str,
    name: str,
    plan_code: str,
    owner_name: str,
    owner_email: str,
    owner_squad: str = "",
    sla: str = Tenant.Sla.STANDARD,
    contacts: list | None = None,
    requested_by=None,
    request=None,
    start: bool = True,
) -> ProvisioningRun:
    """Validate a request, record a pending run and start it; ValidationError names each bad field, nothing is written.

    The run's task is sent when the transaction commits. `start=False` is for callers that run it in this
    process themselves (the provision_tenant command, the benchmark).
    """
    errors, plan = _owner_and_tenant_errors(
        slug=slug, name=name, plan_code=plan_code, owner_name=owner_name, owner_email=owner_email
    )
    errors.update(_text_errors(name=name, owner_name=owner_name, owner_squad=owner_squad))
    if sla not in Tenant.Sla.values:
        errors["sla"] = [f"One of {', '.join(Tenant.Sla.values)}."]
    contacts, contact_problems = _contacts_clean(contacts if contacts is not None else [])
    if contact_problems:
        errors["contacts"] = contact_problems
    if errors:
        raise ValidationError(errors)
    run = _run_record(
        slug=slug,
        name=name,
        plan=plan,
        owner_name=owner_name,
        owner_email=owner_email,
        owner_squad=owner_squad,
        sla=sla,
        contacts=contacts,
        requested_by=requested_by,
        request=request,
    )
    if start:
        from tenants.tasks import provision_tenant  # noqa: PLC0415  (cycle: the tasks call this module)

        publish_on_commit(provision_tenant, str(run.pk))
    return run


def _owner_and_tenant_errors(*, slug, name, plan_code, owner_name, owner_email) -> tuple[dict, Plan | None]:
    errors = {}
    try:
        validate_slug(slug)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not errors.get("slug") and Tenant.objects.filter(slug=slug).exists():
        errors["slug"] = [f"A tenant with slug “{slug}” already exists."]
    if not (name or "").strip():
        errors["name"] = ["Give the tenant a name."]
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None:
        errors["plan"] = [f"Unknown plan “{plan_code}”."]
    if not (owner_email or "").strip():
        errors["owner_email"] = ["The owner's e-mail is required: they receive the set-password link."]
    else:
        try:
            validate_email(owner_email)
        except ValidationError:
            errors["owner_email"] = ["Enter a valid e-mail address."]
    if not (owner_name or "").strip():
        errors["owner_name"] = ["The owner's name is required."]
    return errors, plan


def _run_record(*, slug, name, plan, owner_name, owner_email, owner_squad, sla, contacts, requested_by, request):
    run = ProvisioningRun.objects.create(
        slug=slug,
        name=name.strip(),
        plan=plan,
        owner_name=owner_name.strip(),
        owner_email=owner_email.strip().lower(),
        owner_squad=owner_squad,
        sla=sla,
        contacts=contacts,
        requested_by=requested_by,
        steps=[{"name": step, "status": "pending", "log": []} for step in STEP_NAMES],
    )
    event_record(
        action="tenant.provisioning_requested",
        actor=requested_by,
        target_type="provisioning_run",
        target_id=run.pk,
        after={"slug": slug, "plan": plan.code, "owner_email": run.owner_email},
        request=request,
    )
    return run


REQUEST_FIELDS = ("slug", "name", "plan", "owner_name", "owner_email", "owner_squad", "sla", "contacts")


def provisioning_request_from(fields, *, requested_by=None, request=None, start: bool = True) -> ProvisioningRun:
    """provisioning_request from the fields every entry point names alike (panel form, API body, command)."""
    values = {name: fields[name] for name in REQUEST_FIELDS}
    return provisioning_request(
        **{name: value for name, value in values.items() if name != "plan"},
        plan_code=values["plan"],
        requested_by=requested_by,
        request=request,
        start=start,
    )
