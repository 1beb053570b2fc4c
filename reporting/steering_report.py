"""The Steering Committee's progress report (Excel), written from gated marts only.

Every cell that comes from input (province and project names, file names, reasons) is written
as a string cell: never through `worksheet.write()`, which turns `=…` into a formula and
`http:`/`mailto:`/`external:` into a link, and the workbook is opened with both of those
conversions off as well. Text that a spreadsheet could read as a formula also carries Excel's
quote prefix, so editing the cell later keeps it text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from core.files import atomic_path, write_bytes_atomically
from core.text import looks_like_formula
from warehouse import queries

_PROGRESS_HEADERS = [
    ("Mã tỉnh", 9),
    ("Tỉnh/thành phố", 22),
    ("Kỳ báo cáo", 11),
    ("Dự án", 8),
    ("Tên dự án", 60),
    ("Kế hoạch vốn NSTW (triệu đồng)", 18),
    ("Kế hoạch vốn NSĐP (triệu đồng)", 18),
    ("Tổng kế hoạch vốn (triệu đồng)", 18),
    ("Giải ngân lũy kế (triệu đồng)", 18),
    ("Tỷ lệ giải ngân (%)", 12),
]
_MILLION = 1_000_000
# Input text is never a formula or a link, whichever write method a later change may call.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


@dataclass(frozen=True)
class ReportWritten:
    path: Path
    rows: int
    excluded_batches: int


def write_progress_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> ReportWritten:
    """Write `bao_cao_tien_do_<timestamp>.xlsx` (and `bao_cao_tien_do_latest.xlsx`) in out_dir."""
    progress = queries.rows(con, "report_progress")
    excluded = queries.rows(con, "report_excluded")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"bao_cao_tien_do_{stamp}.xlsx"
    with atomic_path(target) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        try:
            _progress_sheet(workbook, progress, stamp)
            _excluded_sheet(workbook, excluded)
        finally:
            workbook.close()
    write_bytes_atomically(out_dir / "bao_cao_tien_do_latest.xlsx", target.read_bytes())
    return ReportWritten(target, len(progress), len(excluded))


def _progress_sheet(workbook: xlsxwriter.Workbook, rows: list[tuple], stamp: str) -> None:
    sheet = workbook.add_worksheet("TienDo")
    title = workbook.add_format({"bold": True, "font_size": 13})
    head = workbook.add_format(
        {
            "bold": True,
            "text_wrap": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "bg_color": "#DDEBF7",
        }
    )
    money = workbook.add_format({"num_format": "#,##0.000", "border": 1})
    pct = workbook.add_format({"num_format": "0.0", "border": 1})
    text = _TextCells(workbook, {"border": 1, "text_wrap": True})
    sheet.write_string(
        0, 0, "BÁO CÁO TIẾN ĐỘ GIAO KẾ HOẠCH VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG 1719", title
    )
    sheet.write_string(
        1,
        0,
        "Theo đơn vị hành chính từ 01/7/2025; chỉ gồm số liệu đã qua kiểm tra chất "
        f"lượng. Lập lúc {stamp} (UTC). Đơn vị tính: triệu đồng.",
    )
    for col, (header, width) in enumerate(_PROGRESS_HEADERS):
        sheet.write_string(3, col, header, head)
        sheet.set_column(col, col, width)
    for r, row in enumerate(rows, start=4):
        code, name, period, project, project_name, central, local, planned, disbursed, rate = row
        for col, value in enumerate((code, name, period, project, project_name)):
            text.write(sheet, r, col, value)
        for col, value in enumerate((central, local, planned, disbursed), start=5):
            sheet.write_number(r, col, value / _MILLION, money)
        if rate is None:
            sheet.write_blank(r, 9, None, pct)
        else:
            sheet.write_number(r, 9, float(rate), pct)
    sheet.freeze_panes(4, 2)
    if rows:
        sheet.autofilter(3, 0, 3 + len(rows), len(_PROGRESS_HEADERS) - 1)


def _excluded_sheet(workbook: xlsxwriter.Workbook, rows: list[tuple]) -> None:
    sheet = workbook.add_worksheet("BaoCaoBiLoai")
    head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#FCE4D6"})
    text = _TextCells(workbook, {})
    sheet.write_string(0, 0, "Báo cáo không được đưa vào tổng hợp (đã cách ly) và lý do")
    for col, (header, width) in enumerate(
        [("Tệp", 40), ("Loại", 12), ("Lý do", 100), ("Thời điểm nạp", 22)]
    ):
        sheet.write_string(2, col, header, head)
        sheet.set_column(col, col, width)
    for r, (name, dataset, reasons, loaded_at) in enumerate(rows, start=3):
        text.write(sheet, r, 0, name)
        text.write(sheet, r, 1, dataset)
        text.write(sheet, r, 2, reasons)
        stamp = loaded_at.isoformat(timespec="seconds") if loaded_at else ""
        text.write(sheet, r, 3, stamp)


class _TextCells:
    """Writes cells from input: numbers as numbers, everything else as a string cell (with the
    quote prefix when it starts like a formula), None as a blank."""

    def __init__(self, workbook: xlsxwriter.Workbook, properties: dict) -> None:
        self.plain = workbook.add_format(properties) if properties else None
        self.quoted = workbook.add_format({**properties, "quote_prefix": True})

    def write(self, sheet: Worksheet, row: int, col: int, value: object) -> None:
        if value is None:
            sheet.write_blank(row, col, None, self.plain)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            sheet.write_number(row, col, value, self.plain)
        else:
            text = value if isinstance(value, str) else str(value)
            cell_format = self.quoted if looks_like_formula(text) else self.plain
            sheet.write_string(row, col, text, cell_format)
