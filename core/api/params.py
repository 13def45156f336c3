"""Parsing of numbers from query strings, forms and JSON: one rule, so no crafted value reaches int() and 500s."""


def whole_number(value) -> int | None:
    """The non-negative integer `value` spells in ASCII digits (or an int that is not a bool), else None.

    `str.isdigit()` is not enough: "²".isdigit() is True but int("²") raises.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value)
    return None


MAX_ID = 2**63 - 1  # the largest primary key PostgreSQL stores (bigint); larger ids are a 400, not a 500
