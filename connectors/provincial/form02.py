"""Reader of Form 02 (Biểu 02): beneficiary households, pseudonymised as they are read.

Names and citizen IDs are personal data (Decree 13/2023/NĐ-CP): they are read from the cell,
the ID is turned into a keyed pseudonym, and neither ever reaches the table, a problem or a log.
Officers also type IDs and phone numbers where they do not belong, so every text that reaches
the table (village, commune, district, ethnicity, support content, sheet and sender names) is
passed through `connectors.personal_data.redact_cell`; an amount cell holding an ID or a phone
number is a located blocking problem, never a figure; and a reason never quotes a cell above the
table unless it is the sender's institutional line (a contact line such as "Người lập biểu:
…, CCCD …, ĐT …" is shown as `[đã ẩn]`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.admin_units import ProvinceDirectory, default_directory
from connectors.batches import Problem
from connectors.personal_data import contains_personal_data, redact, redact_cell
from connectors.provincial.columns import first_of_each
from connectors.provincial.form01 import (
    FOOTER,
    LoadedSheet,
    cell_text,
    find_report_period,
    find_sender,
    find_unit,
    is_stt_header,
    load_grid,
)
from connectors.provincial.schema import Period, ResolvedProvince
from connectors.pseudonymise import Pseudonymiser
from connectors.vietnamese import fold, parse_vn_number, to_vnd
from core.errors import InputRejected, PersonalDataError, ReportReadError

BENEFICIARY_SCHEMA = pa.schema(
    [
        ("source_sheet", pa.string()),
        ("source_row", pa.int32()),
        ("household_pseudonym", pa.string()),  # HMAC of the citizen ID; null if it was unusable
        ("ethnicity", pa.string()),
        ("village_name", pa.string()),
        ("commune_name", pa.string()),
        ("district_name", pa.string()),
        ("support_content", pa.string()),
        ("amount_vnd", pa.int64()),
        ("support_year", pa.int32()),
        ("is_repeat_household", pa.bool_()),  # the same pseudonym appears on an earlier row
    ]
)

# A household's support is tens of millions of đồng; beyond this an amount cannot be right (most
# often it is an ID or a phone number typed in the amount column, e.g. the made-up
# 001234567890 read as triệu đồng).
MAX_HOUSEHOLD_VND = 10_000_000_000
# Lines above the table that may be quoted in a reason: the sender's institution and the form's
# own titles. Anything else (a contact line, a person's name) is shown as `[đã ẩn]`.
_INSTITUTIONAL = re.compile(
    r"^(ubnd|uy ban|so|ban|phong|tinh|thanh pho|tp|huyen|xa|danh sach|bieu|don vi|"
    r"cong hoa|doc lap)\b"
)

# Households turned into Arrow this many rows at a time.
_CHUNK_ROWS = 50_000
# Header meanings, tried in order on the folded header text.
_COLUMN_RULES = [
    ("citizen_id", r"\b(cccd|cmnd|can cuoc|dinh danh|cmt)\b"),
    ("name", r"\b(ho va ten|ho ten|chu ho)\b"),
    ("amount", r"\b(so tien|kinh phi|muc ho tro|thanh tien)\b"),
    ("year", r"^nam\b"),
    ("content", r"\b(noi dung|hinh thuc ho tro|loai ho tro)\b"),
    ("ethnicity", r"^dan toc\b"),
    ("village", r"^(thon|ban|thon ban|to dan pho|lang)\b"),
    ("commune", r"^(xa|phuong|thi tran|xa phuong)\b"),
    ("district", r"^(huyen|quan|thi xa|thanh pho)\b"),
]


@dataclass
class BeneficiaryReport:
    """What the reader made of one Form 02: who sent it, for which year, and every household."""

    form: str  # form02
    sender_name: str
    province: ResolvedProvince
    period: Period
    unit: str
    unit_vnd: int
    beneficiaries: pa.Table  # BENEFICIARY_SCHEMA
    rows_read: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_acceptable(self) -> bool:
        return not any(p.blocking for p in self.problems)


def read_form02(
    path: Path,
    *,
    pseudonymiser: Pseudonymiser,
    directory: ProvinceDirectory | None = None,
    loaded: list[LoadedSheet] | None = None,
) -> BeneficiaryReport:
    """Read a Form 02 workbook into pseudonymised household rows; raises when unreadable.
    `loaded`: the workbook's sheets when the caller has them already (not opened again)."""
    path = Path(path)
    directory = directory or default_directory()
    if loaded is None:
        sheets = load_grid(path, None)
    else:  # hidden sheets are never read as the list
        sheets = [(s.name, s.grid) for s in loaded if s.state == "visible"]
    found = next(
        ((name, grid, h) for name, grid in sheets if (h := _find_header(grid)) is not None), None
    )
    if found is None:
        raise ReportReadError(
            "không tìm thấy bảng Biểu 02 (dòng tiêu đề có cột Họ và tên và Số CCCD/CMND) / "
            "no Form 02 table found (a header with name and citizen ID columns)",
            file=path.name,
        )
    sheet_name, grid, (header_row, columns) = found
    sheet = redact(sheet_name) or sheet_name

    def fail(reason: str) -> ReportReadError:
        return ReportReadError(redact(reason) or reason, file=path.name, sheet=sheet)

    above = grid[:header_row]
    header_texts = [cell_text(v) for v in grid[header_row] if cell_text(v)]
    unit = find_unit(above, header_texts)
    if unit is None:
        raise fail(
            "không tìm thấy đơn vị tính của số tiền hỗ trợ (ví dụ 'Đơn vị tính: triệu đồng') / "
            "no unit of money found"
        )
    unit_label, unit_vnd = unit
    households, problems, rows_read = _read_rows(
        grid, header_row, columns, sheet, unit_vnd, pseudonymiser
    )
    period = _period(households.column("support_year"), above)
    if period is None:
        raise fail("không xác định được năm hỗ trợ / the support year cannot be found")
    sender, province = find_sender(above, directory, period, _masking(above, fail))
    return BeneficiaryReport(
        form="form02",
        sender_name=redact(sender) or sender,
        province=province,
        period=period,
        unit=unit_label,
        unit_vnd=unit_vnd,
        beneficiaries=households,
        rows_read=rows_read,
        problems=problems,
    )


def _masking(
    above: list[list[Any]], fail: Callable[[str], ReportReadError]
) -> Callable[[str], ReportReadError]:
    """`fail`, with every cell above the table that a reason quotes and that is not an
    institution's line replaced by `[đã ẩn]` (the sender error lists the lines it tried)."""
    private = {
        text
        for row in above
        for text in (cell_text(v) for v in row)
        if text and (contains_personal_data(text) or not _INSTITUTIONAL.match(fold(text)))
    }

    def masked(reason: str) -> ReportReadError:
        for text in sorted(private, key=len, reverse=True):
            reason = reason.replace(repr(text), "'[đã ẩn]'")
        return fail(reason)

    return masked


def _find_header(grid: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(grid):
        columns: dict[str, int] = {}
        for c, value in enumerate(row):
            folded = fold(cell_text(value))
            if not folded:
                continue
            if is_stt_header(folded):
                columns.setdefault("stt", c)
                continue
            for meaning, pattern in _COLUMN_RULES:
                if re.search(pattern, folded):
                    columns.setdefault(meaning, c)
                    break
        if {"citizen_id", "amount"} <= columns.keys():
            return index, columns
    return None


def _read_rows(
    grid: list[list[Any]],
    header_row: int,
    columns: dict[str, int],
    sheet: str,
    unit_vnd: int,
    pseudonymiser: Pseudonymiser,
) -> tuple[pa.Table, list[Problem], int]:
    """The households below the header as a table, with the problems and the rows read.

    The rows are only told apart here (household, blank, total, the row of column numbers,
    the footer); the cells are then read a column at a time, `_CHUNK_ROWS` households at a
    time: each distinct value is pseudonymised, parsed or redacted once (a list of 100,000
    households has a few dozen distinct amounts, villages and years)."""
    households, rows_read = _household_rows(grid, header_row, columns)
    cells = _Cells()
    chunks: list[pa.RecordBatch] = []
    problems: list[Problem] = []
    for start in range(0, len(households), _CHUNK_ROWS):
        chunk = households[start : start + _CHUNK_ROWS]
        batch, found = _households(grid, chunk, columns, sheet, unit_vnd, pseudonymiser, cells)
        chunks.append(batch)
        problems += found
    table = pa.Table.from_batches(chunks, schema=BENEFICIARY_SCHEMA)
    pseudonyms = table["household_pseudonym"]
    repeat = pc.and_(
        pc.is_valid(pseudonyms),
        pc.not_equal(pa.array(range(table.num_rows), pa.int64()), first_of_each(pseudonyms)),
    )
    index = BENEFICIARY_SCHEMA.get_field_index("is_repeat_household")
    table = table.set_column(index, "is_repeat_household", pc.fill_null(repeat, False))
    return table, problems, rows_read


def _household_rows(
    grid: list[list[Any]], header_row: int, columns: dict[str, int]
) -> tuple[list[int], int]:
    """The grid indices of the household rows below the header, and the rows read (every row
    holding a value before the footer, but the row of column numbers)."""
    id_at, name_at = columns.get("citizen_id"), columns.get("name")
    households: list[int] = []
    rows_read = 0
    for index in range(header_row + 1, len(grid)):
        row = grid[index]
        if cell_text(_at(row, id_at)):  # an ID: a household, unless only numbers are written
            if not _only_numbers(row):
                rows_read += 1
                households.append(index)
            continue
        texts = [t for t in (cell_text(v) for v in row) if t]
        if not texts:
            continue
        if any(FOOTER.search(fold(t)) for t in texts):
            break
        if all(_NUMBERED.fullmatch(t) for t in texts):
            continue  # the row of column numbers
        rows_read += 1
        if cell_text(_at(row, name_at)) != "":
            households.append(index)  # a name without an ID: read, its ID is a problem
    return households, rows_read


_NUMBERED = re.compile(r"\(?\d+\)?")


def _only_numbers(row: list[Any]) -> bool:
    """Whether every non-empty cell of a row is a column number such as 3 or (3)."""
    for value in row:
        text = cell_text(value)
        if text and not _NUMBERED.fullmatch(text):
            return False
    return True


def _at(row: list[Any], index: int | None) -> Any:
    return row[index] if index is not None and index < len(row) else None


class _Cells:
    """What each distinct cell value becomes, worked out once (keyed by type and value, so
    1, 1.0 and True stay apart)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, tuple[type, Any]], Any] = {}

    def each(self, kind: str, values: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
        seen = self._seen
        out = []
        for value in values:
            key = (kind, (type(value), value))
            if key not in seen:
                seen[key] = fn(value)
            out.append(seen[key])
        return out


_TEXT_COLUMNS = (
    ("ethnicity", "ethnicity"),
    ("village_name", "village"),
    ("commune_name", "commune"),
    ("district_name", "district"),
    ("support_content", "content"),
)


def _households(
    grid: list[list[Any]],
    chunk: list[int],
    columns: dict[str, int],
    sheet: str,
    unit_vnd: int,
    pseudonymiser: Pseudonymiser,
    cells: _Cells,
) -> tuple[pa.RecordBatch, list[Problem]]:
    """One chunk of household rows as a record batch (its repeats marked later), and their
    problems in row order (citizen ID, amount, year)."""

    def column(meaning: str) -> list[Any]:
        at = columns.get(meaning)
        if at is None:
            return [None] * len(chunk)
        return [row[at] if at < len(row) else None for row in (grid[i] for i in chunk)]

    ids = cells.each("id", column("citizen_id"), lambda v: _pseudonym(pseudonymiser, v))
    amounts = cells.each("amount", column("amount"), lambda v: _amount(v, unit_vnd))
    years = cells.each("year", column("year"), _year)
    rows = [i + 1 for i in chunk]
    problems: list[Problem] = []
    wrong = [
        k
        for k, (i, a, y) in enumerate(zip(ids, amounts, years, strict=True))
        if i[1] or a[1] or y is None
    ]
    for at in wrong:
        excel_row = rows[at]
        if ids[at][1] is not None:  # the reason names what is wrong, never the value
            problems.append(
                Problem(f"dòng {excel_row}: {ids[at][1]}", sheet, excel_row, "personal_data")
            )
        for wrong_with in (amounts[at][1], "year" if years[at] is None else None):
            if wrong_with is not None:
                text, check = _REASONS[wrong_with]
                problems.append(Problem(text.format(row=excel_row), sheet, excel_row, check))
    batch = {
        "source_sheet": pa.repeat(pa.scalar(sheet), len(chunk)),
        "source_row": pa.array(rows, pa.int32()),
        "household_pseudonym": pa.array([i[0] for i in ids], pa.string()),
        **{
            name: pa.array(cells.each("text", column(meaning), redact_cell), pa.string())
            for name, meaning in _TEXT_COLUMNS
        },
        "amount_vnd": pa.array([a[0] for a in amounts], pa.int64()),
        "support_year": pa.array(years, pa.int32()),
        "is_repeat_household": pa.repeat(pa.scalar(False), len(chunk)),
    }
    return pa.RecordBatch.from_pydict(batch, schema=BENEFICIARY_SCHEMA), problems


# The amount's and the year's reasons (the row's number put in), and their checks.
_REASONS = {
    "identifier": (
        "dòng {row}: số tiền hỗ trợ có dạng số CCCD/CMND hoặc số điện thoại, không phải một số "
        "tiền (giá trị không được nhắc lại ở đây) / row {row}: the amount looks like a citizen "
        "ID or a phone number, not a sum of money (the value is not repeated here)",
        "personal_data",
    ),
    "unreadable": (
        "dòng {row}: số tiền hỗ trợ không phải là số / the amount is not a number",
        "read",
    ),
    "too_large": (
        "dòng {row}: số tiền hỗ trợ lớn hơn 10 tỷ đồng cho một hộ, không thể đúng / row {row}: "
        "the amount is more than 10 billion đồng for one household, which cannot be right",
        "read",
    ),
    "year": ("dòng {row}: năm hỗ trợ không hợp lệ / invalid support year", "read"),
}


def _pseudonym(pseudonymiser: Pseudonymiser, raw: Any) -> tuple[str | None, str | None]:
    """The pseudonym of a citizen ID cell, or None and why it is unusable (never its value)."""
    try:
        return pseudonymiser.citizen_id(raw), None
    except PersonalDataError as exc:
        return None, exc.reason


def _amount(raw: Any, unit_vnd: int) -> tuple[int | None, str | None]:
    """An amount cell in whole đồng, or None and what is wrong with it (a `_REASONS` key)."""
    try:
        number = parse_vn_number(raw)
    except InputRejected:
        number = None
        unreadable = True
    else:
        unreadable = False
    if _amount_is_identifier(raw, number, unit_vnd):
        # the value is never repeated: it is most likely someone's ID or phone number
        return None, "identifier"
    if unreadable:
        return None, "unreadable"
    if number is not None and abs(number * unit_vnd) > MAX_HOUSEHOLD_VND:
        return None, "too_large"
    return (None if number is None else to_vnd(number, unit_vnd)), None


def _amount_is_identifier(raw: Any, number: Any, unit_vnd: int) -> bool:
    """Whether an amount cell has the shape of a citizen ID or a phone number, not of money:
    text of 9–12 digits starting with 0 (amounts never do) or with +84, however grouped; or a
    whole number of 9–12 digits that, in the stated unit, is beyond any household's support
    (a number cell drops the ID's leading zero: the made-up 001234567890 → 1,234,567,890)."""
    if isinstance(raw, str):
        text = raw.strip()
        digits = re.sub(r"[\s.\-\u2010\u2011\u2013\u00a0]", "", text)
        if digits.startswith(("+84", "(+84)")) and contains_personal_data(text):
            return True
        if digits.isdigit() and digits.startswith("0") and 9 <= len(digits) <= 12:
            return True
    if number is None or number != number.to_integral_value():
        return False
    return 10**8 <= abs(number) < 10**12 and abs(number * unit_vnd) > MAX_HOUSEHOLD_VND


def _year(value: Any) -> int | None:
    try:
        number = parse_vn_number(value)
    except InputRejected:
        return None
    if number is None or number != number.to_integral_value() or not 2000 <= number <= 2100:
        return None
    return int(number)


def _period(support_years: pa.ChunkedArray, above: list[list[Any]]) -> Period | None:
    years = Counter(y for y in support_years.to_pylist() if y is not None)
    if years:
        year = years.most_common(1)[0][0]
        return Period(str(year), date(year, 12, 31), year)
    return find_report_period(above)


def looks_like_form02(path: Path, *, max_rows: int = 30) -> bool:
    """Whether a workbook is a beneficiary list: a header above the data names a citizen ID."""
    try:
        sheets = load_grid(path, None)
    except ReportReadError:
        return False
    pattern = re.compile(dict(_COLUMN_RULES)["citizen_id"])
    return any(
        pattern.search(fold(str(cell)))
        for _, grid in sheets
        for row in grid[:max_rows]
        for cell in row
        if isinstance(cell, str) and cell
    )
