import pytest

from core.api.params import whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (7, 7),
        ("²", None),
        ("٣", None),
        ("-1", None),
        (-1, None),
        (True, None),
        ("", None),
        (" 1", None),
        ("1.0", None),
        (None, None),
        (1.0, None),
    ],
)
def test_whole_number_accepts_only_ascii_digits(value, expected):
    assert whole_number(value) == expected
