"""Cell work done a column at a time for the readers: Arrow kernels over every row, Python at
most once per *distinct* value (a file of 100,000 rows holds a few dozen distinct codes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.vietnamese import decimals_of, to_vnd

# What `str.strip()` takes away (every character whose `isspace()` is true), for Arrow's trim.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_INT64_MAX = 2**63 - 1


def stripped(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Each text without leading or trailing whitespace, as `str.strip()` leaves it."""
    return pc.utf8_trim(values, characters=WHITESPACE)


def mapped(
    values: pa.Array | pa.ChunkedArray, fn: Callable[[Any], Any], type: pa.DataType
) -> pa.Array | pa.ChunkedArray:
    """`fn` of each row's value, calling `fn` once per distinct value."""
    distinct = pc.unique(values)
    results = pa.array([fn(v) for v in distinct.to_pylist()], type=type)
    return pc.take(results, pc.index_in(values, value_set=distinct))


def first_rows(ids: Any) -> pa.Array:
    """For ids 0, 1, … (each present), the index of the first row holding it."""
    table = pa.table({"id": ids, "i": pa.array(range(len(ids)), pa.int64())})
    firsts = table.group_by("id").aggregate([("i", "min")]).sort_by("id")
    return firsts["i_min"].combine_chunks()


def first_of_each(values: Any) -> Any:
    """For each row, the index of the first row holding the same value (nulls together)."""
    ids = pc.index_in(values, value_set=pc.unique(values))
    return pc.take(first_rows(ids), ids)


def shared_texts(values: Any) -> list[Any]:
    """The values as a Python list in which equal texts are one object (a file of 400,000
    duplicate lines has a few thousand distinct reasons: one string each, not one per row)."""
    distinct = pc.unique(values)
    texts = distinct.to_pylist()
    return [texts[i] for i in pc.index_in(values, value_set=distinct).to_pylist()]


def joined(*parts: Any) -> pa.Array | pa.ChunkedArray:
    """Texts (arrays or plain strings) joined row by row, as one key or one message."""
    return pc.binary_join_element_wise(*parts, "")


@dataclass
class Amounts:
    """Amount texts read in one unit: whole đồng (null where unreadable or empty), the decimal
    places each is written with, and what is wrong with each (one flag per reason)."""

    vnd: pa.Array | pa.ChunkedArray  # int64
    places: pa.Array | pa.ChunkedArray  # int32, null where not a number
    unreadable: pa.Array | pa.ChunkedArray  # bool: not a number
    negative: pa.Array | pa.ChunkedArray  # bool: a number below zero
    too_large: pa.Array | pa.ChunkedArray  # bool: beyond what int64 đồng holds


_DASHES = ("-", "–", "—", "−", "--")
_SIGNS = ("-", "−", "–")


def parse_amounts(texts: pa.Array | pa.ChunkedArray, *, decimal: str, unit_vnd: int) -> Amounts:
    """`connectors.vietnamese.parse_vn_number(text, decimal=decimal)` and `to_vnd(number,
    unit_vnd)` over a column of stripped texts, exactly: integer arithmetic on the digits
    (half away from zero), never a float. `unit_vnd` is a power of ten."""
    scale = len(str(unit_vnd)) - 1
    if unit_vnd != 10**scale:
        raise ValueError(f"unit_vnd must be a power of ten, not {unit_vnd}")
    thousands = "," if decimal == "." else "."
    text = pc.replace_substring_regex(texts, "[\u00a0 \u202f]", "")
    empty = pc.or_(pc.equal(text, ""), pc.is_in(text, value_set=pa.array(_DASHES)))
    paren = pc.and_(pc.starts_with(text, "("), pc.ends_with(text, ")"))
    body = pc.if_else(paren, pc.utf8_slice_codeunits(text, 1, -1), text)
    first = pc.utf8_slice_codeunits(body, 0, 1)
    minus = pc.is_in(first, value_set=pa.array(_SIGNS))
    signed = pc.or_(minus, pc.equal(first, "+"))
    body = pc.if_else(signed, pc.utf8_slice_codeunits(body, 1, None), body)
    negative_sign = pc.xor(paren, minus)
    d, t = _re(decimal), _re(thousands)
    shape = rf"^(?P<i>[0-9]*|[0-9]{{1,3}}(?:{t}[0-9]{{3}})+)(?:{d}(?P<f>[0-9]*))?$"
    readable = pc.and_(
        pc.match_substring_regex(body, r"^[0-9.,]+$"),
        pc.and_(pc.match_substring_regex(body, "[0-9]"), pc.match_substring_regex(body, shape)),
    )
    readable = pc.and_(pc.invert(empty), readable)
    parts = pc.extract_regex(pc.if_else(readable, body, "0"), shape)
    integer = pc.utf8_ltrim(pc.replace_substring(pc.struct_field(parts, "i"), thousands, ""), "0")
    fraction = pc.struct_field(parts, "f")
    places = pc.utf8_length(pc.utf8_rtrim(fraction, "0"))
    # beyond 18 - scale integer digits the product may leave int64: Python decides (below)
    long = pc.and_(readable, pc.greater(pc.utf8_length(integer), 18 - scale))
    fast = pc.and_(readable, pc.invert(long))
    padded = joined(fraction, "0" * (scale + 1))
    usable = pc.and_(fast, pc.not_equal(integer, ""))
    whole = pc.cast(pc.if_else(usable, integer, "0"), pa.int64())
    kept = pc.utf8_slice_codeunits(padded, 0, scale) if scale else None
    round_up = pc.greater_equal(pc.utf8_slice_codeunits(padded, scale, scale + 1), "5")
    magnitude = pc.multiply(whole, unit_vnd)
    if kept is not None:
        magnitude = pc.add(magnitude, pc.cast(pc.if_else(fast, kept, "0"), pa.int64()))
    magnitude = pc.add(magnitude, pc.cast(round_up, pa.int64()))
    vnd = pc.if_else(negative_sign, pc.negate(magnitude), magnitude)
    nonzero = pc.match_substring_regex(joined(integer, fraction), "[1-9]")
    negative = pc.and_(readable, pc.and_(negative_sign, nonzero))
    too_large = long
    vnd = pc.if_else(fast, vnd, pa.scalar(None, pa.int64()))
    places = pc.if_else(readable, pc.cast(places, pa.int32()), pa.scalar(None, pa.int32()))
    if pc.any(long).as_py():
        vnd, places, too_large = _long_amounts(
            texts, long, vnd, places, decimal=decimal, unit_vnd=unit_vnd
        )
    unreadable = pc.and_(pc.invert(empty), pc.invert(readable))
    return Amounts(vnd, places, unreadable, negative, too_large)


def _long_amounts(
    texts: Any, long: Any, vnd: Any, places: Any, *, decimal: str, unit_vnd: int
) -> tuple[Any, Any, Any]:
    """The rare amounts with many integer digits, in Python (once per distinct text): whole
    đồng when int64 holds them, else flagged too large."""
    from connectors.vietnamese import parse_vn_number

    def convert(text: str | None) -> tuple[int | None, int | None, bool]:
        if text is None:
            return None, None, False
        try:
            number = parse_vn_number(text, decimal=decimal)
            assert isinstance(number, Decimal)
            amount = to_vnd(number, unit_vnd)
        except InvalidOperation:
            return None, None, True
        if abs(amount) > _INT64_MAX:
            return None, None, True
        return amount, decimals_of(number), False

    chosen = pc.if_else(long, texts, pa.scalar(None, pa.string()))
    big = mapped(
        chosen,
        convert,
        pa.struct([("vnd", pa.int64()), ("places", pa.int32()), ("too_large", pa.bool_())]),
    )
    return (
        pc.if_else(long, pc.struct_field(big, "vnd"), vnd),
        pc.if_else(long, pc.struct_field(big, "places"), places),
        pc.fill_null(pc.and_(long, pc.struct_field(big, "too_large")), False),
    )


def _re(char: str) -> str:
    return "\\" + char
