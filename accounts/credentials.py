"""What API keys and staff tokens share: a random prefix and secret, the secret kept only as SHA-256,
constant-time comparison, and revocation that happens once and is audited once."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from audit.services import event_record


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_new() -> tuple[str, str]:
    """(prefix, secret): the prefix tells credentials apart in lists, the secret is shown once."""
    return secrets.token_hex(4), secrets.token_urlsafe(32)


def secret_matches(stored_hash: str, secret: str) -> bool:
    return secrets.compare_digest(stored_hash, secret_hash(secret))


def credential_revoke(credential, *, kind: str, actor=None, tenant=None, request=None):
    """Revoke `credential` (an ApiKey or StaffToken) now; a second revocation changes and records nothing."""
    model = type(credential)
    with transaction.atomic():
        updated = model.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        credential.refresh_from_db()
        if updated:
            event_record(
                action=f"{kind}.revoked",
                actor=actor,
                tenant=tenant,
                target_type=kind,
                target_id=credential.pk,
                before={"name": credential.name, "prefix": credential.prefix},
                request=request,
            )
    return credential
