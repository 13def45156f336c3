"""Secrets encrypted at rest in PostgreSQL (public schema) with Fernet keys from the environment."""

import json
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from vault.base import (
    SecretAlreadyExists,
    SecretMeta,
    SecretNotFound,
    SecretStore,
    SecretStoreError,
    SecretValue,
    new_random_secret,
)
from vault.models import SecretVersion


def load_fernet(key: str | None, key_file: Path | str) -> MultiFernet:
    """Keys from SECRET_STORE_KEY (comma-separated, newest first), else the development key file."""
    if key:
        keys = [part.strip() for part in key.split(",") if part.strip()]
    else:
        path = Path(key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
        keys = [path.read_text().strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise SecretStoreError("SECRET_STORE_KEY is not a valid Fernet key (32 url-safe base64 bytes).") from None


def _meta(row: SecretVersion) -> SecretMeta:
    return SecretMeta(
        name=row.name,
        version=row.version,
        current=row.current,
        tags=row.tags,
        created_at=row.created_at,
        created_by=row.created_by,
    )


class LocalSecretStore(SecretStore):
    def __init__(self, *, key: str | None, key_file: Path | str):
        self._fernet = load_fernet(key, key_file)

    # The name and version are sealed with the value, so a ciphertext copied onto another row fails to open.
    def _seal(self, name: str, version: int, value: str) -> bytes:
        return self._fernet.encrypt(json.dumps({"n": name, "v": version, "s": value}).encode())

    def _open(self, row: SecretVersion) -> SecretValue:
        try:
            payload = json.loads(self._fernet.decrypt(bytes(row.ciphertext)))
        except InvalidToken:
            raise SecretStoreError(
                f"Secret {row.name!r} v{row.version} cannot be decrypted with the configured keys."
            ) from None
        if payload["n"] != row.name or payload["v"] != row.version:
            raise SecretStoreError(f"Secret {row.name!r} v{row.version} does not belong to this row.")
        return SecretValue(payload["s"])

    def put(self, name, value, *, tags=None, actor=""):
        with schema_context("public"):
            try:
                with transaction.atomic():
                    row = SecretVersion.objects.create(
                        name=name,
                        version=1,
                        ciphertext=self._seal(name, 1, value),
                        tags=dict(tags or {}),
                        created_by=actor,
                    )
            except IntegrityError:
                raise SecretAlreadyExists(f"Secret {name!r} already exists.") from None
            return _meta(row)

    def get(self, name, *, version=None):
        with schema_context("public"):
            rows = SecretVersion.objects.filter(name=name)
            rows = rows.filter(version=version) if version is not None else rows.filter(current=True)
            row = rows.first()
            if row is None:
                raise SecretNotFound(f"Secret {name!r}{f' v{version}' if version else ''} not found.")
            return self._open(row)

    def rotate(self, name, value=None, *, actor=""):
        with schema_context("public"), transaction.atomic():
            current = SecretVersion.objects.select_for_update().filter(name=name, current=True).first()
            if current is None:
                raise SecretNotFound(f"Secret {name!r} not found.")
            SecretVersion.objects.filter(pk=current.pk).update(current=False)
            new_version = current.version + 1
            row = SecretVersion.objects.create(
                name=name,
                version=new_version,
                ciphertext=self._seal(name, new_version, value if value is not None else new_random_secret()),
                tags=current.tags,
                created_by=actor,
            )
            return _meta(row)

    def delete(self, name):
        with schema_context("public"):
            deleted, _ = SecretVersion.objects.filter(name=name).delete()
            if not deleted:
                raise SecretNotFound(f"Secret {name!r} not found.")

    def list(self, *, tags=None):
        with schema_context("public"):
            rows = SecretVersion.objects.filter(current=True).order_by("name")
            if tags:
                rows = rows.filter(tags__contains=dict(tags))
            return [_meta(row) for row in rows]

    def versions(self, name):
        with schema_context("public"):
            rows = list(SecretVersion.objects.filter(name=name).order_by("version"))
            if not rows:
                raise SecretNotFound(f"Secret {name!r} not found.")
            return [_meta(row) for row in rows]
