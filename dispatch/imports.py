"""CSV import of leads: every row valid or nothing written; errors name the line and field."""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from dispatch.models import Lead
from dispatch.serializers import LeadSerializer

TRUE = {"1", "true", "yes", "y", "sim", "s"}
COLUMNS = (
    "name",
    "phone",
    "email",
    "whatsapp_opt_in",
    "email_opt_in",
    "preferred_channel",
    "wants_meeting",
    "time_zone",
    "source",
)
MAX_ROWS = 5000


MAX_FILE_BYTES = 2 * 1024 * 1024  # MAX_ROWS leads of a few hundred bytes each, with room to spare


def leads_import_upload(*, upload) -> int:
    """Import an uploaded CSV file (all rows or none); a file over MAX_FILE_BYTES is refused unread.

    Django keeps a large upload in a temporary file, not in memory; reading it whole is what must not happen.
    """
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": f"The file is too large: at most {MAX_FILE_BYTES // (1024 * 1024)} MB ({MAX_ROWS} leads)."}
        )
    return leads_import(content=upload.read())


def leads_import(*, content: bytes) -> int:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file must be UTF-8 CSV."}) from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _import_rows(reader)
    except csv.Error as error:  # a field over csv.field_size_limit, a quote left open at the end…
        raise ValidationError({"file": f"Not readable as CSV: {error}."}) from None


def _import_rows(reader: csv.DictReader) -> int:
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise ValidationError(
            {"file": f"The first line must name the columns, at least “name”; known: {', '.join(COLUMNS)}."}
        )
    errors, valid = {}, []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise ValidationError({"file": f"At most {MAX_ROWS} leads per file."})
        data = {key: (row.get(key) or "").strip() for key in COLUMNS if key in row}
        for flag in ("whatsapp_opt_in", "email_opt_in", "wants_meeting"):
            if flag in data:
                data[flag] = data[flag].lower() in TRUE
        if not data.get("time_zone"):
            data.pop("time_zone", None)
        serializer = LeadSerializer(data=data)
        if serializer.is_valid():
            valid.append(serializer.validated_data)
        else:
            errors[f"line {line}"] = {
                field: [str(e) for e in problems] for field, problems in serializer.errors.items()
            }
    if errors:
        raise ValidationError(
            {
                "rows": [
                    f"{line}: {field}: {' '.join(problems)}"
                    for line, fields in errors.items()
                    for field, problems in fields.items()
                ]
            }
        )
    if not valid:
        raise ValidationError({"file": "The file has no leads."})
    with transaction.atomic():
        Lead.objects.bulk_create([Lead(**data) for data in valid])
    return len(valid)
