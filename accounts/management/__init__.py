from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def command_error(error: ValidationError) -> CommandError:
    """A service's field errors as one line a person at the terminal can act on."""
    return CommandError("; ".join(f"{field}: {' '.join(problems)}" for field, problems in error.message_dict.items()))
