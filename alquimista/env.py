"""Reading settings from the environment, with a one-line refusal in production."""

import os
import sys


class MissingSetting(SystemExit):
    """Raised while loading settings; exits with one line naming the variable."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        refuse(f"{name} must be an integer, got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def refuse(reason: str):
    sys.stderr.write(f"alquimista: refusing to start: {reason}\n")
    raise MissingSetting(2)


def require_in_production(names: list[str]) -> None:
    """Production must not fall back to development defaults for these."""
    for name in names:
        if env_str(name) is None:
            refuse(f"{name} is required when ALQUIMISTA_ENV=production")
