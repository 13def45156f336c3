from django.db import transaction
from django.utils import timezone

from integrations.models import Integration
from operations.handlers.base import CommandFailed
from vault import SecretNotFound, get_secret_store


def reset_token(command, progress) -> dict:
    """Rotate the integration's token in the secret store (old version superseded) and bump its version."""
    integration = Integration.objects.filter(pk=command.parameters["integration_id"]).first()
    if integration is None:
        raise CommandFailed("The integration no longer exists.")
    if not integration.secret_ref:
        raise CommandFailed(f"{integration} has no credential in the secret store to rotate; reconnect it first.")
    progress(30, "Rotating the credential")
    try:
        meta = get_secret_store().rotate(
            integration.secret_ref, actor=command.created_by.email if command.created_by else "system"
        )
    except SecretNotFound:
        raise CommandFailed(
            f"The credential of {integration} is missing from the secret store; reconnect it."
        ) from None
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(
            token_version=meta.version,
            token_rotated_at=timezone.now(),
            status=Integration.Status.OK,
            consecutive_auth_failures=0,
            last_error="",
        )
    return {
        "integration_id": integration.pk,
        "integration": str(integration),
        "token_version": meta.version,
        "superseded_version": meta.version - 1,
    }
