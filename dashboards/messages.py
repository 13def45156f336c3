"""Errors → what a page shows, in one place: a service's ValidationError or PermissionDenied becomes
form errors (each on the field it names), and a form's errors become page messages after a redirect."""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _


def error_problems(error: ValidationError | PermissionDenied) -> list[tuple[str | None, str]]:
    """(field or None, problem) for each problem `error` names; None for problems about no one field."""
    if isinstance(error, PermissionDenied):
        return [(None, str(error) or _("You may not do this."))]
    if not hasattr(error, "error_dict"):
        return [(None, problem) for problem in error.messages]
    return [
        (None if field == NON_FIELD_ERRORS else field, problem)
        for field, problems in error.message_dict.items()
        for problem in problems
    ]


def form_error_add(
    form, error: ValidationError | PermissionDenied, *, limit: int | None = None, aliases: dict | None = None
) -> None:
    """Put a service's refusal on `form`: each problem on the field it names, the rest above the form.

    A field the form does not have (the service checks more than the form holds) keeps its name as a prefix.
    `limit` caps the problems shown per field (a CSV file can have thousands of bad lines); `aliases` names
    the form's field for a service's (the import's "rows" are the uploaded file's).
    """
    shown: dict[str | None, int] = {}
    for name, problem in error_problems(error):
        field = (aliases or {}).get(name, name)
        shown[field] = shown.get(field, 0) + 1
        if limit is not None and shown[field] > limit:
            continue
        if field in form.fields:
            form.add_error(field, problem)
        else:
            form.add_error(None, problem if field is None else f"{field}: {problem}")


def form_problems(form) -> list[str]:
    """Each of a bound form's errors as one sentence naming its field by its label."""
    problems = [str(problem) for problem in form.non_field_errors()]
    for field in form:
        problems += [_("%(field)s: %(problem)s") % {"field": field.label, "problem": p} for p in field.errors]
    return problems


def form_messages(request, form) -> None:
    """A form's errors as page messages (for forms that redirect: their page shows the messages)."""
    for problem in form_problems(form):
        messages.error(request, problem)


def error_messages(
    request, form, error: ValidationError | PermissionDenied, *, limit: int | None = None, aliases: dict | None = None
) -> None:
    """A service's refusal of `form`'s data (None: an action without a form) as page messages, each naming its field."""
    if form is None:
        form = forms.Form({})
        form.is_valid()
    form_error_add(form, error, limit=limit, aliases=aliases)
    form_messages(request, form)
