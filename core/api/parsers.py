"""The API's JSON parser: a body PostgreSQL cannot store, or Python cannot parse, is a 400 naming where it fails.

Refused: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413, as Django refuses an oversized form), JSON nested deeper than the interpreter's recursion limit (a 500 before), and text holding NUL
characters or lone surrogates ("\\u0000", "\\ud800"), which PostgreSQL refuses in text and jsonb and which
would otherwise reach a query in any field no serializer declares (JSON blobs, nested lists).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def _children(value, path: str):
    if isinstance(value, dict):
        for key, child in value.items():
            yield key, child, f"{path}.{key}" if path else str(key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield None, child, f"{path}.{index}" if path else str(index)


def unstorable_text_path(data) -> str | None:
    """Where in a parsed JSON document the first unstorable text is ("contacts.0.name"; "body" for a key), else None.

    Walks with a stack, not recursion: the document may be as deep as the parser allowed.
    """
    stack = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _unstorable(value):
                return path or "body"
            continue
        for key, child, child_path in _children(value, path):
            if key is not None and _unstorable(key):
                return "body"
            stack.append((child, child_path))
    return None


def _refuse_oversized(parser_context) -> None:
    """Django caps form bodies at DATA_UPLOAD_MAX_MEMORY_SIZE; DRF streams JSON past that check, so apply it here."""
    request = (parser_context or {}).get("request")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request is None or limit is None:
        return
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdecimal() and int(length) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ValidationError({"body": [_("The JSON body is nested too deeply.")]}) from None
        except exceptions.ParseError as error:
            raise exceptions.ValidationError({"body": [str(error.detail)]}) from None
        path = unstorable_text_path(data)
        if path is not None:
            raise exceptions.ValidationError({path: [_("Text may not contain NUL characters or unpaired surrogates.")]})
        return data
