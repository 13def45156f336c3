"""CSV downloads: the one writer every CSV the product serves goes through, safe to open in a spreadsheet.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one)
as a formula, so a user name like `=HYPERLINK("http://evil", "click")` typed into a login form would
become a live link, or worse, in the audit log a staff member opens. OWASP's rule: prefix such a text
cell with a single quote, which spreadsheets show as text. Numbers are written as they are (a negative
number is not text and runs nothing).
"""

import csv
from collections.abc import Iterable
from itertools import chain

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

# The OWASP list, the line breaks a spreadsheet may skip before them, and the full-width forms some
# spreadsheets normalise to the ASCII ones.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(value):
    """`value` as a cell that a spreadsheet shows and never evaluates; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written to it, so csv.writer yields lines to stream."""

    def write(self, value):
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]):
    """The CSV text, line by line: the header, then each row, every cell through `csv_cell`."""
    writer = csv.writer(_Echo())
    return (writer.writerow([csv_cell(value) for value in row]) for row in chain([header], rows))


def csv_response(*, filename: str, header: Iterable, rows: Iterable[Iterable], stream: bool = True) -> HttpResponseBase:
    """A CSV attachment named `filename` (ASCII, no quotes); streamed (rows read as it is sent) unless
    `stream` is false, for a short file whose size should be known."""
    lines = csv_lines(header, rows)
    content_type = "text/csv; charset=utf-8"
    if stream:
        response = StreamingHttpResponse(lines, content_type=content_type)
    else:
        response = HttpResponse("".join(lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
