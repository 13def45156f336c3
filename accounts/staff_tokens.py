"""Staff personal access tokens: creation (shown once), revocation, verification on the company's host.

A token acts as its owner, never beyond the owner's current role and the token's scopes: a support
member cannot mint a token for what support may not do, and a member who leaves the staff takes
their tokens' power with them.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.credentials import credential_new, credential_revoke, secret_hash, secret_matches
from accounts.models import StaffToken
from accounts.policy import internal_role
from accounts.roles import Role
from audit.services import event_record

TOKEN_PREFIX = "alq_pat"
LAST_USED_PRECISION = timedelta(minutes=1)
EXPIRY_DAYS = (7, 30, 90, 365)  # the choices offered; None is "never"


def _validated(*, user, name: str, scopes: list[str], expires_in_days: int | None) -> tuple[str, list[str]]:
    name = (name or "").strip()
    errors = {}
    limit = StaffToken._meta.get_field("name").max_length
    if not name:
        errors["name"] = "Give the token a name."
    elif len(name) > limit or "\x00" in name:
        errors["name"] = f"Use at most {limit} printable characters."
    valid = set(StaffToken.Scope.values)
    chosen = set(scopes or [])
    if not chosen or not chosen <= valid:
        errors["scopes"] = f"Choose one or more of: {', '.join(sorted(valid))}."
    elif internal_role(user) != Role.INTERNAL_ADMIN and chosen & StaffToken.ADMIN_SCOPES:
        errors["scopes"] = f"Only internal admins may use: {', '.join(sorted(chosen & StaffToken.ADMIN_SCOPES))}."
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = f"Choose one of {', '.join(map(str, EXPIRY_DAYS))} days, or none."
    if internal_role(user) is None:
        errors["__all__"] = "Only staff members have personal access tokens."
    if errors:
        raise ValidationError(errors)
    return name, sorted(chosen)


def staff_token_create(
    *, user, name: str, scopes: list[str], expires_in_days: int | None = None, request=None
) -> tuple[StaffToken, str]:
    """Create a token for `user` (themselves); returns it with the raw value, which cannot be shown again."""
    name, scopes = _validated(user=user, name=name, scopes=scopes, expires_in_days=expires_in_days)
    prefix, secret = credential_new()
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        token = StaffToken.objects.create(
            user=user, name=name, prefix=prefix, secret_hash=secret_hash(secret), scopes=scopes, expires_at=expires_at
        )
        event_record(
            action="staff_token.created",
            actor=user,
            target_type="staff_token",
            target_id=token.pk,
            after={
                "name": name,
                "prefix": prefix,
                "scopes": scopes,
                "expires_at": expires_at and expires_at.isoformat(),
            },
            request=request,
        )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def staff_tokens_revocable_by(user):
    """The tokens `user` may revoke: their own; an internal admin's, anyone's (someone leaving, a leak)."""
    tokens = StaffToken.objects.select_related("user")
    return tokens if internal_role(user) == Role.INTERNAL_ADMIN else tokens.filter(user=user)


def staff_token_revoke(*, token: StaffToken, actor, request=None) -> StaffToken:
    return credential_revoke(token, kind="staff_token", actor=actor, request=request)


def staff_token_authenticate(raw: str):
    """The token's owner, carrying the token's scopes (see accounts.policy.can), or None."""
    if not raw.startswith(f"{TOKEN_PREFIX}_"):
        return None
    parts = raw[len(TOKEN_PREFIX) + 1 :].split("_", 1)
    if len(parts) != 2:
        return None
    prefix, secret = parts
    token = StaffToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not secret_matches(token.secret_hash, secret):
        return None
    user = token.user
    if not token.is_active or not user.is_active or internal_role(user) is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        StaffToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user.__dict__["_token_scopes"] = frozenset(token.scopes)
    return user, token
