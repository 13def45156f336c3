"""“View as tenant”: staff open a tenant's dashboard read-only, audited, for 30 minutes at most."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Func, Value
from django.db.models.fields.json import JSONField
from django.http import Http404
from django.utils import timezone

from accounts.models import ViewAsSession
from accounts.policy import Action, can
from audit.services import event_record

VIEW_AS_LIFETIME = timedelta(minutes=30)
MAX_RECORDED_PAGES = 500
SESSION_KEY = "_alq_view_as"


def view_as_start(*, staff, tenant, request=None) -> ViewAsSession:
    if not can(staff, Action.VIEW_AS_TENANT) or tenant.is_public:
        raise Http404
    with transaction.atomic():
        session = ViewAsSession.objects.create(staff=staff, tenant=tenant, expires_at=timezone.now() + VIEW_AS_LIFETIME)
        event_record(
            action="view_as.started",
            actor=staff,
            tenant=tenant,
            target_type="view_as",
            target_id=session.pk,
            request=request,
        )
    return session


def view_as_active(*, session_id, staff, tenant) -> ViewAsSession | None:
    """The live view-as session of this staff member on this tenant, if any."""
    return ViewAsSession.objects.filter(
        pk=session_id, staff=staff, tenant=tenant, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def view_as_end(*, session_id, reason: str, request=None) -> None:
    with transaction.atomic():
        session = ViewAsSession.objects.select_for_update().filter(pk=session_id, ended_at__isnull=True).first()
        if session is None:
            return
        session.ended_at = timezone.now()
        session.end_reason = reason
        session.save(update_fields=["ended_at", "end_reason"])
        event_record(
            action="view_as.ended",
            actor=session.staff,
            tenant=session.tenant,
            target_type="view_as",
            target_id=session.pk,
            after={"reason": reason, "pages": session.pages},
            request=request,
        )


def view_as_record_page(*, session: ViewAsSession, path: str) -> None:
    if len(session.pages) >= MAX_RECORDED_PAGES:
        return
    entry = Value([{"path": path[:300], "at": timezone.now().isoformat()}], output_field=JSONField())
    ViewAsSession.objects.filter(pk=session.pk).update(pages=Func(F("pages"), entry, function="", arg_joiner=" || "))


def view_as_close_expired() -> int:
    """End the view-as sessions that expired while nobody was looking (beat); returns how many."""
    expired = ViewAsSession.objects.filter(ended_at__isnull=True, expires_at__lte=timezone.now())
    ids = list(expired.values_list("pk", flat=True))
    for session_id in ids:
        view_as_end(session_id=session_id, reason="expired")
    return len(ids)
