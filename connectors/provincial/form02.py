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

from connectors.admin_units import ProvinceDirectory, default_directory
from connectors.batches import Problem
from connectors.personal_data import contains_personal_data, redact, redact_cell
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
# often it is an ID or a phone number typed in the amount column: 099123456726 triệu đồng).
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
    """The households below the header as a table, built a chunk of rows at a time (Python
    values of one chunk at most, beside the grid), with the problems and the rows read."""

    def cell(row: list[Any], meaning: str) -> Any:
        index = columns.get(meaning)
        return row[index] if index is not None and index < len(row) else None

    rows: list[dict[str, Any]] = []
    chunks: list[pa.RecordBatch] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    rows_read = 0
    for index in range(header_row + 1, len(grid)):
        row, excel_row = grid[index], index + 1
        texts = [cell_text(v) for v in row if cell_text(v)]
        if not texts:
            continue
        raw_id, raw_amount = cell(row, "citizen_id"), cell(row, "amount")
        if cell_text(raw_id) == "" and any(FOOTER.search(fold(t)) for t in texts):
            break
        if all(re.fullmatch(r"\(?\d+\)?", t) for t in texts):
            continue  # the row of column numbers
        rows_read += 1
        if cell_text(raw_id) == "" and cell_text(cell(row, "name")) == "":
            continue  # a total or a heading line, not a household

        def problem(reason: str, check: str = "read", row_number: int = excel_row) -> None:
            problems.append(Problem(reason, sheet, row_number, check))

        try:
            pseudonym: str | None = pseudonymiser.citizen_id(raw_id)
        except PersonalDataError as exc:
            # the reason names what is wrong, never the value
            problem(f"dòng {excel_row}: {exc.reason}", "personal_data")
            pseudonym = None
        amount_vnd: int | None = None
        try:
            number = parse_vn_number(raw_amount)
        except InputRejected:
            number = None
            unreadable = True
        else:
            unreadable = False
        if _amount_is_identifier(raw_amount, number, unit_vnd):
            # the value is never repeated: it is most likely someone's ID or phone number
            problem(
                f"dòng {excel_row}: số tiền hỗ trợ có dạng số CCCD/CMND hoặc số điện thoại, "
                "không phải một số tiền (giá trị không được nhắc lại ở đây) / "
                f"row {excel_row}: the amount looks like a citizen ID or a phone number, not a "
                "sum of money (the value is not repeated here)",
                "personal_data",
            )
        elif unreadable:
            problem(
                f"dòng {excel_row}: số tiền hỗ trợ không phải là số / the amount is not a number"
            )
        elif number is not None and abs(number * unit_vnd) > MAX_HOUSEHOLD_VND:
            problem(
                f"dòng {excel_row}: số tiền hỗ trợ lớn hơn 10 tỷ đồng cho một hộ, không thể đúng "
                f"/ row {excel_row}: the amount is more than 10 billion đồng for one household, "
                "which cannot be right"
            )
        elif number is not None:
            amount_vnd = to_vnd(number, unit_vnd)
        year = _year(cell(row, "year"))
        if year is None:
            problem(f"dòng {excel_row}: năm hỗ trợ không hợp lệ / invalid support year")
        rows.append(
            {
                "source_sheet": sheet,
                "source_row": excel_row,
                "household_pseudonym": pseudonym,
                "ethnicity": redact_cell(cell(row, "ethnicity")),
                "village_name": redact_cell(cell(row, "village")),
                "commune_name": redact_cell(cell(row, "commune")),
                "district_name": redact_cell(cell(row, "district")),
                "support_content": redact_cell(cell(row, "content")),
                "amount_vnd": amount_vnd,
                "support_year": year,
                "is_repeat_household": pseudonym is not None and pseudonym in seen,
            }
        )
        if pseudonym is not None:
            seen.add(pseudonym)
        if len(rows) >= _CHUNK_ROWS:
            chunks.append(pa.RecordBatch.from_pylist(rows, schema=BENEFICIARY_SCHEMA))
            rows = []
    chunks.append(pa.RecordBatch.from_pylist(rows, schema=BENEFICIARY_SCHEMA))
    return pa.Table.from_batches(chunks, schema=BENEFICIARY_SCHEMA), problems, rows_read


def _amount_is_identifier(raw: Any, number: Any, unit_vnd: int) -> bool:
    """Whether an amount cell has the shape of a citizen ID or a phone number, not of money:
    text of 9–12 digits starting with 0 (amounts never do) or with +84, however grouped; or a
    whole number of 9–12 digits that, in the stated unit, is beyond any household's support
    (a number cell drops the ID's leading zero: 099123456726 → 99,123,456,726)."""
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
