"""Fields of delimited text tables, shared by the spike and network readers."""

from __future__ import annotations

import csv

__all__ = ["is_number", "split_fields"]


def is_number(text: str) -> bool:
    """Whether ``text`` parses as a float (``"1e3"``, ``" 2 "``, ``"nan"``)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_fields(line: str, sep: str | None) -> list[str]:
    """The stripped fields of one table line; ``sep`` None: runs of whitespace.

    With a one-character separator, fields follow CSV quoting (RFC 4180, what pandas,
    spreadsheets and R write): a field that starts with a double quote runs to the closing
    one and may hold the separator, ``""`` inside it is one quote. A quote elsewhere in a
    field is an ordinary character, as for pandas. Raises ``ValueError`` for a quoted field
    left open at the end of the line (fields spanning lines are not supported) or over the
    `csv` module's field size limit.

    Examples
    --------
    >>> split_fields('12, "Smith, J" ,0.5', ",")
    ['12', '"Smith', 'J"', '0.5']
    >>> split_fields('12,"Smith, J",0.5', ",")
    ['12', 'Smith, J', '0.5']
    >>> split_fields("  3   4 ", None)
    ['3', '4']
    """
    if sep is None or '"' not in line:
        return [field.strip() for field in line.split(sep)]
    try:
        fields = next(csv.reader([line], delimiter=sep, strict=True))
    except csv.Error as exc:
        if "end of data" not in str(exc):  # e.g. a field over csv's size limit
            raise ValueError(f"unreadable quoted field ({exc})") from None
        raise ValueError("a quoted field is not closed on its line (fields spanning lines "
                         "are not supported)") from None
    return [field.strip() for field in fields]
