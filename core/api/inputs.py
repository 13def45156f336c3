"""Declared inputs: query parameters and bodies are validated by a serializer, never parsed by hand.

A bad value is a 400 whose `fields` name the parameter (the one error shape, core/api/errors.py).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from core.api.params import MAX_ID, whole_number


def query_input(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The request's query parameters as `serializer_class` declares them, validated."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def body_input(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The request's body as `serializer_class` declares it, validated; a list or a bare value is a 400 naming `body`."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"body": [_("Send a JSON object.")]})
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A parameter whose value must be one of `choices`; a refusal lists them."""
    choices = list(choices)
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": f"Must be one of {', '.join(choices)}."}, **kwargs
    )


def choice_filter(choices, **kwargs) -> serializers.ChoiceField:
    """An optional filter parameter whose value must be one of `choices` (empty: no filter)."""
    return choice_field(choices, required=False, allow_blank=True, default="", **kwargs)


def text_filter(max_length: int = 200, **kwargs) -> serializers.CharField:
    """An optional free-text filter (NUL characters and over-long values are refused, 400)."""
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length, **kwargs)


class TextField(serializers.CharField):
    """Text and only text: a number, a list or an object is refused (DRF's CharField would turn 42 into "42")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def text_field(max_length: int, **kwargs) -> TextField:
    """A body field holding text of at most `max_length` characters (NUL characters are refused, 400)."""
    return TextField(max_length=max_length, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdField(serializers.Field):
    """A primary key in ASCII digits, 1 to the largest bigint ("١" or "1e3" or 2**64 are a 400, never a lookup)."""

    default_error_messages = {"invalid": "Must be an id (a whole number)."}

    def validate_empty_values(self, data):
        if data == "" and not self.required:  # `?tenant=` from a form left blank: no filter
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        number = whole_number(data)
        if number is None or not 1 <= number <= MAX_ID:
            self.fail("invalid")
        return number

    def to_representation(self, value):
        return value
