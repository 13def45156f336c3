from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

MASK = "********"


class SecretStoreError(Exception):
    """A secret store failure; messages name the secret, never its value."""


class SecretNotFound(SecretStoreError):
    pass


class SecretAlreadyExists(SecretStoreError):
    pass


class SecretValue:
    """A secret in memory. Only reveal() gives the value; everything else shows a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretValue({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other) -> bool:
        if isinstance(other, SecretValue):
            return secrets.compare_digest(self._value, other._value)
        return NotImplemented

    def __hash__(self):
        raise TypeError("SecretValue is not hashable")

    def __reduce__(self):
        raise TypeError("SecretValue must not be pickled (it would leave the process, e.g. into a cache)")


@dataclass(frozen=True)
class SecretMeta:
    """What may be shown about a secret: never its value."""

    name: str
    version: int
    current: bool
    tags: dict = field(default_factory=dict)
    created_at: datetime | None = None
    created_by: str = ""


def new_random_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


class SecretStore(ABC):
    """put / get / rotate / delete / list by tag, with versions.

    Rotation writes a new version and marks the previous one superseded; superseded
    versions stay readable by explicit version for audit, but get() without a version
    returns the current one only.
    """

    @abstractmethod
    def put(self, name: str, value: str, *, tags: dict[str, str] | None = None, actor: str = "") -> SecretMeta:
        """Create a secret at version 1; SecretAlreadyExists if the name is taken."""

    @abstractmethod
    def get(self, name: str, *, version: int | None = None) -> SecretValue:
        """The current value, or a given version's; SecretNotFound otherwise."""

    @abstractmethod
    def rotate(self, name: str, value: str | None = None, *, actor: str = "") -> SecretMeta:
        """Store a new version (random when no value is given); the old one becomes superseded."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the secret and all its versions; SecretNotFound if absent."""

    @abstractmethod
    def list(self, *, tags: dict[str, str] | None = None) -> list[SecretMeta]:
        """Current versions of the secrets carrying all the given tags, by name."""

    @abstractmethod
    def versions(self, name: str) -> list[SecretMeta]:
        """Every kept version of a secret, oldest first."""

    def exists(self, name: str) -> bool:
        try:
            self.versions(name)
        except SecretNotFound:
            return False
        return True
