"""The report's Excel workbook (xlsxwriter): one sheet per `SheetSpec`, headers in Vietnamese
with English beneath, money in triệu đồng for reading beside the exact đồng, Vietnamese number
format, frozen headers, A4 landscape print areas, and native Excel charts.

Every cell that comes from input is written as a string cell (`write_string`), with Excel's quote
prefix when it starts like a formula: never through `worksheet.write()`, which turns `=…` into a
formula and `http:` into a link; the workbook is opened with both conversions off as well.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from core.text import looks_like_formula
from reporting.report_data import ReportData, SheetData
from reporting.report_sheets import (
    BY_PROJECT,
    BY_PROVINCE,
    PERIOD,
    SINCE,
    SUMMARY,
    VALUES_VI,
    SheetSpec,
    kind,
    label,
)

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MILLION = 1_000_000
# Vietnamese number format (1.234,5): the [$-42A] locale tag marks the format Vietnamese; the
# separators Excel shows are those of the reader's regional settings.
FORMATS = {
    "million": "[$-42A]#,##0.0",
    "vnd": "[$-42A]#,##0",
    "number": "[$-42A]#,##0.######",
    "pct": "[$-42A]#,##0.0",
    "share": "[$-42A]0.000%",
}
A4 = 9
HEADER_ROW = 5  # Vietnamese headers; English beneath; data from HEADER_ROW + 2
PROGRESS_HEADERS = [
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


def write_workbook(path: Path, data: ReportData, stamp: str) -> None:
    """The whole workbook at `path` (the caller makes the write atomic)."""
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        styles = _Styles(workbook)
        for name, sheet_data in data.sheets.items():
            sheet = workbook.add_worksheet(name)
            columns = _table_sheet(sheet, sheet_data, styles, data)
            _chart(workbook, sheet, sheet_data, columns)
            if name == BY_PROJECT.name:
                _progress_sheet(workbook, styles, data.progress, stamp)
    finally:
        workbook.close()


class _Styles:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.subtitle = workbook.add_format({"italic": True, "font_color": "#404040"})
        self.head = workbook.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#DDEBF7",
            }
        )
        self.head_en = workbook.add_format(
            {
                "italic": True,
                "text_wrap": True,
                "border": 1,
                "align": "center",
                "bg_color": "#F2F2F2",
            }
        )
        self.numbers = {
            key: workbook.add_format({"num_format": code, "border": 1})
            for key, code in FORMATS.items()
        }
        self.text = _TextCells(workbook, {"border": 1, "text_wrap": True})
        self.plain = _TextCells(workbook, {})


def _table_sheet(
    sheet: Worksheet, data: SheetData, styles: _Styles, report: ReportData
) -> dict[str, int]:
    """Titles, bilingual headers and the rows; returns each column's first Excel column."""
    spec = data.spec
    sheet.write_string(0, 0, spec.title_vi, styles.title)
    sheet.write_string(1, 0, spec.title_en, styles.subtitle)
    if not data.missing:
        sheet.write_string(2, 0, scope_line(spec, report))
    if spec.note_vi:
        sheet.write_string(3, 0, spec.note_vi)
        sheet.write_string(4, 0, spec.note_en, styles.subtitle)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    if data.missing:
        sheet.write_string(HEADER_ROW, 0, data.missing)
        sheet.print_area(0, 0, HEADER_ROW, 8)
        return {}
    positions: dict[str, int] = {}
    col = 0
    for name in data.columns:
        vi, en = label(name)
        positions[name] = col
        if kind(name) == "money":
            for text_vi, text_en, width in (
                (f"{vi} (triệu đồng)", f"{en} (million đồng)", 16),
                (f"{vi} (đồng)", f"{en} (đồng)", 20),
            ):
                sheet.write_string(HEADER_ROW, col, text_vi, styles.head)
                sheet.write_string(HEADER_ROW + 1, col, text_en, styles.head_en)
                sheet.set_column(col, col, width)
                col += 1
        else:
            sheet.write_string(HEADER_ROW, col, vi, styles.head)
            sheet.write_string(HEADER_ROW + 1, col, en, styles.head_en)
            sheet.set_column(col, col, 40 if name.endswith(("_vi", "_en", "reasons")) else 14)
            col += 1
    first = HEADER_ROW + 2
    for r, row in enumerate(data.rows, start=first):
        for name, value in zip(data.columns, row, strict=True):
            _cell(sheet, r, positions[name], kind(name), value, styles)
    last_row = max(first + len(data.rows) - 1, HEADER_ROW + 1)
    sheet.freeze_panes(first, 0)
    sheet.repeat_rows(HEADER_ROW, HEADER_ROW + 1)
    sheet.print_area(0, 0, last_row, col - 1)
    if data.rows:
        sheet.autofilter(HEADER_ROW + 1, 0, last_row, col - 1)
    return positions


def scope_line(spec: SheetSpec, report: ReportData) -> str:
    """What the sheet covers: the period, or the restatements' starting time; and the unit."""
    unit = "Đơn vị: triệu đồng, cột 'đồng' là số chính xác / million đồng, exact đồng beside."
    if PERIOD in spec.params and report.period:
        return f"Kỳ báo cáo / Period: {report.period}. {unit}"
    if SINCE in spec.params:
        since = display(report.previous_report_at) if report.previous_report_at else "—"
        return f"Kể từ báo cáo trước / since the previous report: {since} (giờ VN). {unit}"
    return unit


def _cell(sheet: Worksheet, r: int, c: int, what: str, value: object, styles: _Styles) -> None:
    numbers = styles.numbers
    if what == "money":
        if value is None:
            sheet.write_blank(r, c, None, numbers["million"])
            sheet.write_blank(r, c + 1, None, numbers["vnd"])
        else:
            sheet.write_number(r, c, int(value) / MILLION, numbers["million"])
            sheet.write_number(r, c + 1, int(value), numbers["vnd"])
    elif value is None:
        sheet.write_blank(r, c, None, numbers["number"])
    elif what == "bool" or isinstance(value, bool):
        sheet.write_string(r, c, "Có / Yes" if value else "Không / No")
    elif what in ("pct", "share") and isinstance(value, int | float | Decimal):
        sheet.write_number(r, c, float(value), numbers[what])
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(r, c, float(value), numbers["number"])
    else:
        styles.text.write(sheet, r, c, display(value))


def display(value: object) -> object:
    """A cell's value for reading: times in Vietnam time, dates dd/mm/yyyy, codes translated."""
    if isinstance(value, datetime):
        moment = value.astimezone(VIETNAM) if value.tzinfo else value
        return moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value in VALUES_VI:
        return f"{VALUES_VI[value]} / {value.replace('_', ' ')}"
    return value


def _chart(
    workbook: xlsxwriter.Workbook, sheet: Worksheet, data: SheetData, at: dict[str, int]
) -> None:
    """The native charts: disbursement rate by province, the trend by period, plan against
    disbursement by project."""
    if data.missing or not data.rows:
        return
    name = data.spec.name
    first, last = HEADER_ROW + 2, HEADER_ROW + 1 + len(data.rows)

    def series(column: str, category: str, title: str) -> dict:
        return {
            "name": title,
            "categories": [name, first, at[category], last, at[category]],
            "values": [name, first, at[column], last, at[column]],
        }

    if name == BY_PROVINCE.name:
        chart = workbook.add_chart({"type": "bar"})
        chart.add_series(series("disbursement_rate_pct", "province_name", "Tỷ lệ giải ngân (%)"))
        chart.set_title({"name": "Tỷ lệ giải ngân theo tỉnh / Disbursement rate by province"})
        chart.set_size({"width": 720, "height": max(420, 18 * len(data.rows))})
    elif name == SUMMARY.name:
        chart = workbook.add_chart({"type": "line"})
        for column, title in (
            ("allocation_vnd", "Phân bổ / Allocation"),
            ("disbursed_vnd", "Giải ngân / Disbursed"),
            ("plan_vnd", "Kế hoạch / Plan"),
        ):
            chart.add_series({**series(column, "period", title), "marker": {"type": "circle"}})
        chart.set_title({"name": "Xu hướng theo kỳ (triệu đồng) / Trend by period (million đồng)"})
        chart.set_size({"width": 720, "height": 360})
    elif name == BY_PROJECT.name:
        chart = workbook.add_chart({"type": "column"})
        chart.add_series(series("allocation_vnd", "programme_code", "Kế hoạch / Plan"))
        chart.add_series(series("disbursed_vnd", "programme_code", "Giải ngân / Disbursed"))
        chart.set_title({"name": "Kế hoạch và giải ngân theo dự án / Plan and disbursement"})
        chart.set_size({"width": 720, "height": 360})
    else:
        return
    sheet.insert_chart(last + 2, 0, chart)


def _progress_sheet(
    workbook: xlsxwriter.Workbook, styles: _Styles, rows: list[tuple], stamp: str
) -> None:
    """The detail (province × project) of the period, as the report has always had it."""
    sheet = workbook.add_worksheet("TienDo")
    money = styles.numbers["million"]
    sheet.write_string(
        0, 0, "BÁO CÁO TIẾN ĐỘ GIAO KẾ HOẠCH VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH MTQG 1719", styles.title
    )
    sheet.write_string(
        1,
        0,
        "Theo đơn vị hành chính từ 01/7/2025; chỉ gồm số liệu đã qua kiểm tra chất "
        f"lượng. Lập lúc {stamp} (UTC). Đơn vị tính: triệu đồng.",
    )
    sheet.write_string(2, 0, "Chi tiết theo tỉnh và dự án / Detail by province and project")
    for col, (header, width) in enumerate(PROGRESS_HEADERS):
        sheet.write_string(3, col, header, styles.head)
        sheet.set_column(col, col, width)
    for r, row in enumerate(rows, start=4):
        code, name, period, project, project_name, central, local, planned, disbursed, rate = row
        for col, value in enumerate((code, name, period, project, project_name)):
            styles.text.write(sheet, r, col, value)
        for col, value in enumerate((central, local, planned, disbursed), start=5):
            sheet.write_number(r, col, value / MILLION, money)
        if rate is None:
            sheet.write_blank(r, 9, None, styles.numbers["pct"])
        else:
            sheet.write_number(r, 9, float(rate), styles.numbers["pct"])
    sheet.freeze_panes(4, 2)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(3)
    sheet.print_area(0, 0, max(3 + len(rows), 3), len(PROGRESS_HEADERS) - 1)
    if rows:
        sheet.autofilter(3, 0, 3 + len(rows), len(PROGRESS_HEADERS) - 1)


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
