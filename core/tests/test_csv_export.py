"""Every CSV the product writes shows a formula-looking value as text, never as a formula (OWASP CSV injection)."""

import csv
import io

import pytest

from core.csv_export import csv_cell, csv_lines, csv_response

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("＝1+1", "'＝1+1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (1.5, 1.5),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(value, cell):
    assert csv_cell(value) == cell


def test_lines_quote_as_csv_and_neutralise_header_and_rows():
    text = "".join(csv_lines(["name", "=h"], [[HYPERLINK, 3], ["ok", None]]))
    assert list(csv.reader(io.StringIO(text))) == [["name", "'=h"], ["'" + HYPERLINK, "3"], ["ok", ""]]


def test_a_response_streams_unless_asked_not_to():
    streamed = csv_response(filename="x.csv", header=["a"], rows=[["=1"]])
    whole = csv_response(filename="x.csv", header=["a"], rows=[["=1"]], stream=False)

    assert b"".join(streamed.streaming_content) == whole.content == b"a\r\n'=1\r\n"
    assert streamed["Content-Type"] == whole["Content-Type"] == "text/csv; charset=utf-8"
    assert streamed["Content-Disposition"] == 'attachment; filename="x.csv"'


@pytest.mark.django_db
def test_a_failed_login_named_like_a_formula_is_text_in_the_audit_export(client_for, public_tenant):
    client_for(public_tenant).post("/login/", {"username": HYPERLINK, "password": "wrong-password-1"})

    export = client_for(public_tenant, "support@alquimista.test").get(
        "/api/internal/events", {"action": "auth.login_failed", "export": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))

    assert export.status_code == 200
    assert [row["actor_email"] for row in rows] == ["'" + HYPERLINK]
