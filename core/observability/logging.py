"""JSON logs through structlog; Django's and libraries' stdlib logs share the format.

Request id, tenant and user are bound as contextvars by the middleware, so every
line written during a request carries them.
"""

import logging
import logging.config
import re

import structlog

SENSITIVE_KEYS = {"password", "secret", "token", "value", "authorization", "api_key", "key"}


def redact_secrets(_, __, event_dict):
    """Last line of defence: a log call that passes a secret-looking field gets it masked."""
    for key in list(event_dict):
        if key.lower() in SENSITIVE_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


# One-time secrets that travel in URLs: password-reset links and login hand-off / OIDC tickets.
_RESET_LINK = re.compile(r"/reset/[^/\s?\"']+/[^/\s?\"']+")
_URL_SECRET = re.compile(r"\b(ticket|token|code|state)=[^&\s\"']+")


def mask_tokens(text: str) -> str:
    text = _RESET_LINK.sub("/reset/<uidb64>/<token>", text)
    return _URL_SECRET.sub(r"\1=[redacted]", text)


def redact_url_secrets(_, __, event_dict):
    """Masks reset links and ticket/code query values in any string field (Django's own lines too)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and ("/reset/" in value or "=" in value):
            event_dict[key] = mask_tokens(value)
    return event_dict


def configure_logging(*, level: str = "INFO", fmt: str = "json") -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
        redact_url_secrets,
    ]
    renderer = structlog.dev.ConsoleRenderer(colors=False) if fmt == "console" else structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structured": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info,
                        renderer,
                    ],
                    "foreign_pre_chain": shared,
                }
            },
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                "django.db.backends": {"level": "WARNING"},
                "django.server": {"level": "WARNING"},
                # Our own middleware logs each request once, with timing.
                "django.request": {"level": "ERROR"},
                "celery": {"level": level},
                # botocore logs request bodies at DEBUG, secret values included: never below WARNING.
                "botocore": {"level": "WARNING"},
                "boto3": {"level": "WARNING"},
                "s3transfer": {"level": "WARNING"},
                "urllib3": {"level": "WARNING"},
            },
        }
    )
