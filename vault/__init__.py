"""The secret store: one interface, a local encrypted backend and an AWS Secrets Manager backend.

    store = get_secret_store()
    store.put("tenant/acme/jwt", value, tags={"tenant": "acme"})
    store.get("tenant/acme/jwt").reveal()

Values travel as SecretValue, whose repr and str are masked, so a secret passed to a
log call, an exception or a template by mistake shows as asterisks.
"""

from functools import lru_cache

from django.conf import settings

from vault.base import (
    SecretAlreadyExists,
    SecretMeta,
    SecretNotFound,
    SecretStore,
    SecretStoreError,
    SecretValue,
    new_random_secret,
)

__all__ = [
    "SecretAlreadyExists",
    "SecretMeta",
    "SecretNotFound",
    "SecretStore",
    "SecretStoreError",
    "SecretValue",
    "get_secret_store",
    "new_random_secret",
]


@lru_cache(maxsize=1)
def _store_for(backend: str, config_items: tuple) -> SecretStore:
    config = dict(config_items)
    if backend == "local":
        from vault.local import LocalSecretStore  # noqa: PLC0415  (only the configured backend is loaded)

        return LocalSecretStore(key=config["KEY"], key_file=config["KEY_FILE"])
    if backend == "aws":
        from vault.aws import AwsSecretStore  # noqa: PLC0415  (only the configured backend is loaded)

        return AwsSecretStore(
            region=config["AWS_REGION"], endpoint_url=config["AWS_ENDPOINT_URL"], prefix=config["AWS_PREFIX"]
        )
    raise SecretStoreError(f"Unknown SECRET_STORE_BACKEND {backend!r}: use 'local' or 'aws'.")


def get_secret_store() -> SecretStore:
    config = settings.SECRET_STORE
    return _store_for(
        config["BACKEND"], tuple(sorted((k, str(v) if v is not None else None) for k, v in config.items()))
    )
