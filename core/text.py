"""Text from input written into spreadsheets and CSV as text, never as a formula or a link.

A spreadsheet program reads a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab
or a carriage return before one) as a formula: a file called `=cmd|' -C calc'!A0.csv` or a
sender called `=HYPERLINK("http://evil","x")` would run or link when the report is opened.
OWASP's guidance on CSV injection: prefix such a cell with a single quote, which spreadsheet
programs take as "this is text" and do not show. Numbers are left alone.
"""

from __future__ import annotations

from typing import Any

# What a spreadsheet may read as the start of a formula; the full-width forms too, which some
# programs fold to their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
QUOTE = "'"


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take `text` for a formula (so it must be written as text)."""
    return text.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """`value` for a CSV cell: text that could start a formula gets a leading `'`; anything that
    is not text (numbers, dates, None) is returned unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return QUOTE + value
    return value


def csv_safe_row(row: Any) -> list[Any]:
    """Every cell of a row through `csv_safe`."""
    return [csv_safe(value) for value in row]
