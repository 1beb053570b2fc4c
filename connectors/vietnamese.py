"""Vietnamese text at the edge: Unicode normalisation, folded keys, numbers, units and periods."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from connectors.provincial.schema import Period
from core.errors import InputRejected

_DASHES = {"-", "–", "—", "−", "--"}


def nfc(text: str) -> str:
    """The NFC form of `text`: files arrive in NFC or NFD and must compare equal."""
    return unicodedata.normalize("NFC", text)


def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base.replace("đ", "d").replace("Đ", "D").lower()


def fold(text: str) -> str:
    """A diacritic-insensitive key: no marks, đ→d, lower case, punctuation and spaces collapsed."""
    folded = "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text))
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", folded).split())


# Administrative prefixes in folded form; the separators between words may be anything.
_PREFIXES = [
    r"uy ban nhan dan",
    r"ubnd",
    r"so dan toc va ton giao",
    r"so dan toc",
    r"ban dan toc va ton giao",
    r"ban dan toc",
    r"tinh",
    r"thanh pho",
    r"t ?p",
]
_SEP = r"[\s.,:;/\-–—()]*"
_PREFIX_RE = re.compile(
    r"^" + _SEP + r"(?:" + "|".join(p.replace(" ", _SEP) for p in _PREFIXES) + r")(?![a-z0-9])"
)


def strip_admin_prefix(name: str) -> str:
    """`UBND TỈNH Lào Cai`, `Sở Dân tộc và Tôn giáo tỉnh Lào Cai`, `TP. Cần Thơ` → the bare name.

    Matching is on the folded text, so case, NFD and missing diacritics do not matter;
    what is returned is the original (NFC) text after the prefixes.
    """
    text = nfc(name).strip()
    while True:
        # Fold character by character so positions in the folded text map back to `text`.
        folded = "".join((_fold_char(c) or " ")[:1] for c in text)
        match = _PREFIX_RE.match(folded)
        if not match or match.end() >= len(text.rstrip()):
            break
        text = text[match.end() :].lstrip(" \t.,:;/-–—()")
    return text.strip()


def parse_vn_number(value: object, *, decimal: str | None = None) -> Decimal | None:
    """A number from an Excel cell or text; None for an empty cell or a dash.

    Text follows the Vietnamese habit (`.` thousands, `,` decimals: `1.234.567,5`); the English
    habit (`1,234,567.5`) is accepted when both separators show which is which. A lone `.`
    followed by exactly three digits is read as a thousands separator, as Vietnamese files mean
    it. `decimal` forces the decimal separator when a whole file is known to use one.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputRejected(f"expected a number, found the logical value {value}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputRejected("expected a number, found an invalid number (NaN or infinity)")
        # repr gives the shortest text that round-trips, i.e. what Excel shows, not binary noise
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise InputRejected(f"expected a number, found a value of type {type(value).__name__}")
    text = nfc(value).strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if not text or text in _DASHES:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text[:1] in ("-", "−", "–"):
        negative, text = not negative, text[1:]
    elif text[:1] == "+":
        text = text[1:]
    if not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"[0-9]", text):
        raise InputRejected(f"{value!r} is not a number")
    digits = _normalise_separators(text, decimal, original=value)
    try:
        number = Decimal(digits)
    except InvalidOperation as exc:
        raise InputRejected(f"{value!r} is not a number") from exc
    return -number if negative else number


def _normalise_separators(text: str, decimal: str | None, *, original: str) -> str:
    dots, commas = text.count("."), text.count(",")
    if decimal is None:
        if dots and commas:
            decimal = "." if text.rfind(".") > text.rfind(",") else ","
        elif commas > 1:
            decimal = "."
        elif commas == 1 or dots > 1:
            decimal = ","
        elif dots == 1:
            decimal = "," if re.fullmatch(r"\d{1,3}\.\d{3}", text) else "."
        else:
            decimal = ","
    thousands = "," if decimal == "." else "."
    if text.count(decimal) > 1:
        raise InputRejected(f"{original!r} is not a number: more than one decimal separator")
    integer, _, fraction = text.partition(decimal)
    if thousands in fraction:
        raise InputRejected(f"{original!r} is not a number: separators in the wrong places")
    if thousands in integer:
        groups = integer.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise InputRejected(f"{original!r} is not a number: thousands groups are not of three")
        integer = "".join(groups)
    if not integer and not fraction:
        raise InputRejected(f"{original!r} is not a number")
    return f"{integer or '0'}.{fraction}" if fraction else integer


def decimals_of(number: Decimal) -> int:
    """How many decimal places a number is written with (0 for integers)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


_UNITS = [
    (r"\bty( dong| vnd)?\b", "tỷ đồng", 1_000_000_000),
    (r"\b(trieu( dong| vnd)?|tr ?d|trd)\b", "triệu đồng", 1_000_000),
    (r"\b(nghin|ngan)( dong| vnd)?\b", "nghìn đồng", 1_000),
    (r"\b(1 ?000|1000) (dong|vnd)\b", "nghìn đồng", 1_000),
    (r"\b(dong|vnd)\b", "đồng", 1),
]
_UNIT_LEAD = re.compile(r"^.*?\b(don vi tinh|don vi|dvt)\b\s*")


def parse_unit(text: str) -> tuple[str, int]:
    """`Đơn vị tính: triệu đồng` → ("triệu đồng", 1_000_000); raises when no unit is named."""
    folded = fold(text)
    lead = _UNIT_LEAD.match(folded)
    if lead:
        folded = folded[lead.end() :]
    for pattern, label, vnd in _UNITS:
        if re.search(pattern, folded):
            return label, vnd
    raise InputRejected(
        f"unknown unit of money in {nfc(text).strip()!r} "
        "(expected đồng, nghìn đồng, triệu đồng or tỷ đồng)"
    )


def to_vnd(amount: Decimal, vnd_per_unit: int) -> int:
    """An amount in the stated unit as whole đồng, rounding half away from zero."""
    return int((amount * vnd_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PERIOD_LEAD = re.compile(r"^(ky bao cao|ky|bao cao)\s+")
# Tried in order on folded text; each names its year (y) and quarter (q), half (h) or month (m).
_PERIOD_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<y>\d{4}) q(?P<q>[1-4])$"), "quarter"),
    (re.compile(r"^(?P<y>\d{4}) h(?P<h>[12])$"), "half"),
    (re.compile(r"^(?P<y>\d{4}) 9m$"), "nine"),
    (re.compile(r"^(?P<y>\d{4}) (?P<m>\d{1,2})$"), "month"),
    (re.compile(r"^(?P<y>\d{4})$"), "year"),
    (re.compile(r"\bquy (?P<q>iv|iii|ii|i|[1-4])( nam)? (?P<y>\d{4})\b"), "quarter"),
    (re.compile(r"\b6 thang (dau nam|dau|nam)( nam)? (?P<y>\d{4})\b"), "half"),
    (re.compile(r"\b6 thang cuoi( nam)? (?P<y>\d{4})\b"), "second_half"),
    (re.compile(r"\b9 thang( dau)?( nam)? (?P<y>\d{4})\b"), "nine"),
    (re.compile(r"\bthang (?P<m>\d{1,2})( nam)? (?P<y>\d{4})\b"), "month"),
    (re.compile(r"\b(ca nam|nam) (?P<y>\d{4})\b"), "year"),
]


def parse_period(text: str) -> Period:
    """A reporting period from its Vietnamese or flat-CSV wording; raises when none is found.

    `Quý III năm 2024` → 2024-Q3, `6 tháng đầu năm 2024` → 2024-H1, `9 tháng năm 2024` →
    2024-9M, `Năm 2024` → 2024, `Tháng 9/2024` → 2024-09, and `2024-Q3`, `2024-H1`, `2024`.
    """
    period = find_period(text, whole=True)
    if period is None:
        raise InputRejected(f"no reporting period recognised in {nfc(text).strip()!r}")
    return period


def find_period(text: str, *, whole: bool = False) -> Period | None:
    """The first period named in `text` (a title, say), or None; `whole` demands all of it."""
    folded = _PERIOD_LEAD.sub("", fold(text))
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.search(folded)
        if match and (not whole or match.group(0) == folded):
            return _period_from(kind, match)
    return None


def _period_from(kind: str, match: re.Match[str]) -> Period | None:
    year = int(match["y"])
    if kind == "quarter":
        quarter = _ROMAN.get(match["q"]) or int(match["q"])
        month = quarter * 3
        return Period(f"{year}-Q{quarter}", _month_end(year, month), year)
    if kind in ("half", "second_half"):
        half = int(match.groupdict().get("h") or (1 if kind == "half" else 2))
        return Period(f"{year}-H{half}", _month_end(year, 6 * half), year)
    if kind == "nine":
        return Period(f"{year}-9M", date(year, 9, 30), year)
    if kind == "month":
        month = int(match["m"])
        if not 1 <= month <= 12:
            return None
        return Period(f"{year}-{month:02d}", _month_end(year, month), year)
    return Period(str(year), date(year, 12, 31), year)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# Dates as Vietnamese write them: day first (31/12/2024, 31-12-2024, 31.12.2024) or in words
# (ngày 31 tháng 12 năm 2024, on folded text).
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/.-])")
_WORDED_DATE = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")


def find_dates(text: str) -> list[tuple[str, date | None]]:
    """Every date written in `text` as (its text, the date), the date None when there is no
    such day (31/02/2024, 30/13/2024): a typing error to show, never to pass on."""
    found: list[tuple[str, date | None]] = []
    text = nfc(text)
    for match in _NUMERIC_DATE.finditer(text):
        found.append((match[0], _date_or_none(int(match[4]), int(match[3]), int(match[1]))))
    for match in _WORDED_DATE.finditer(fold(text)):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        found.append((f"ngày {day} tháng {month} năm {year}", _date_or_none(year, month, day)))
    return found


def parse_vn_date(text: str) -> date:
    """The one date of `text` (`31/12/2024`, `ngày 31 tháng 12 năm 2024`); raises when there is
    none or it is a day that does not exist (`31/02/2024`)."""
    dates = find_dates(text)
    if not dates:
        raise InputRejected(f"no date (day/month/year) recognised in {nfc(text).strip()[:80]!r}")
    written, parsed = dates[0]
    if parsed is None:
        raise InputRejected(impossible_date_reason(written))
    return parsed


def impossible_date_reason(written: str) -> str:
    """Why a written day/month/year is not a date, in both languages."""
    return (
        f"{written!r} không phải là một ngày có thật (ngày/tháng/năm) / {written!r} is not a "
        "date that exists (day/month/year)"
    )


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
