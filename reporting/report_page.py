"""The report as one HTML page (jinja2): the workbook's sheets as tables and its three charts as
static SVG (Vega-Lite rendered by vl-convert: no script, no font and nothing else from the
internet), laid out to print on A4 landscape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reporting.report_data import ReportData, SheetData
from reporting.report_sheets import BY_PROJECT, BY_PROVINCE, SUMMARY, kind, label
from reporting.report_workbook import MILLION, display, scope_line

_ENV = Environment(
    loader=PackageLoader("reporting", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# A page is read and printed: a sheet longer than this shows its first rows and says how many
# more the workbook holds (a national beneficiary follow-up list has hundreds of thousands).
PAGE_ROWS = 500


# d3-format's locale for the charts' axes: 1.234,5 (d3 has no vi-VN locale of its own).
VIETNAMESE_NUMBERS = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}


def vietnamese_number(value: float | int | Decimal, decimals: int = 1) -> str:
    """`1234.5` → `1.234,5`: dots between thousands, a comma before decimals."""
    text = f"{float(value):,.{decimals}f}" if decimals else f"{int(value):,d}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def render_page(data: ReportData, generated_at: str) -> str:
    sheets = [_table(sheet, data) for sheet in data.sheets.values()]
    charts = charts_svg(data)
    return _ENV.get_template("steering_report.html.j2").render(
        period=data.period or "",
        generated_at=generated_at,
        sheets=sheets,
        charts=charts,
    )


def _table(sheet: SheetData, report: ReportData) -> dict[str, Any]:
    headers: list[tuple[str, str, bool]] = []
    for name in sheet.columns:
        vi, en = label(name)
        if kind(name) == "money":
            headers.append((f"{vi} (triệu đồng)", f"{en} (million đồng)", True))
            headers.append((f"{vi} (đồng)", f"{en} (đồng)", True))
        else:
            headers.append((vi, en, kind(name) in ("pct", "share")))
    rows = []
    for row in sheet.rows[:PAGE_ROWS]:
        cells: list[tuple[str, bool]] = []
        for name, value in zip(sheet.columns, row, strict=True):
            cells.extend(_cells(kind(name), value))
        rows.append(cells)
    return {
        "spec": sheet.spec,
        "scope": "" if sheet.missing else scope_line(sheet.spec, report),
        "missing": sheet.missing,
        "headers": headers,
        "rows": rows,
        "more_rows": max(0, len(sheet.rows) - PAGE_ROWS),
    }


def _cells(what: str, value: object) -> list[tuple[str, bool]]:
    if what == "money":
        if value is None:
            return [("", True), ("", True)]
        return [
            (vietnamese_number(int(value) / MILLION, 1), True),
            (vietnamese_number(int(value), 0), True),
        ]
    if value is None:
        return [("", False)]
    if what == "bool" or isinstance(value, bool):
        return [("Có / Yes" if value else "Không / No", False)]
    if what == "share":
        return [(vietnamese_number(float(value) * 100, 3) + " %", True)]
    if what == "pct":
        return [(vietnamese_number(value, 1), True)]
    if isinstance(value, int):
        return [(vietnamese_number(value, 0), True)]
    if isinstance(value, float | Decimal):
        return [(vietnamese_number(value, 2), True)]
    return [(str(display(value)), False)]


def _spec(values: list[dict[str, Any]], mark: dict[str, Any], encoding: dict, **size: int) -> dict:
    """A Vega-Lite specification (rendered by vl-convert, no browser and no network)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": mark,
        "encoding": encoding,
        "config": {"font": "sans-serif"},
        **size,
    }


def charts_svg(data: ReportData) -> list[dict[str, Any]]:
    """The three charts as SVG text, each with its Vietnamese and English title."""
    import vl_convert  # imported where used

    charts: list[dict[str, Any]] = []

    def add(title_vi: str, title_en: str, spec: dict) -> None:
        svg = vl_convert.vegalite_to_svg(spec, format_locale=VIETNAMESE_NUMBERS)
        if "<script" in svg or "<foreignObject" in svg or "@import" in svg:
            raise ValueError("a chart's SVG holds a script or a foreign object")
        charts.append({"title_vi": title_vi, "title_en": title_en, "svg": Markup(svg)})

    province = data.sheets[BY_PROVINCE.name]
    if province.rows:
        values = [
            {"Tỉnh": name, "Tỷ lệ (%)": float(rate or 0)}
            for name, rate in zip(
                province.column("province_name"),
                province.column("disbursement_rate_pct"),
                strict=True,
            )
        ]
        add(
            "Tỷ lệ giải ngân theo tỉnh",
            "Disbursement rate by province",
            _spec(
                values,
                {"type": "bar"},
                {
                    "y": {"field": "Tỉnh", "type": "nominal", "sort": "-x"},
                    "x": {"field": "Tỷ lệ (%)", "type": "quantitative"},
                },
                width=560,
                height=max(200, 14 * len(values)),
            ),
        )
    summary = data.sheets[SUMMARY.name]
    if summary.rows:
        periods = summary.column("period")
        values = [
            {"Kỳ": p, "Chỉ tiêu": title, "Triệu đồng": int(v or 0) / MILLION}
            for column, title in (
                ("plan_vnd", "Kế hoạch / Plan"),
                ("allocation_vnd", "Phân bổ / Allocation"),
                ("disbursed_vnd", "Giải ngân / Disbursed"),
            )
            for p, v in zip(periods, summary.column(column), strict=True)
        ]
        add(
            "Xu hướng theo kỳ (triệu đồng)",
            "Trend by period (million đồng)",
            _spec(
                values,
                {"type": "line", "point": True},
                {
                    "x": {"field": "Kỳ", "type": "ordinal", "sort": periods},
                    "y": {"field": "Triệu đồng", "type": "quantitative"},
                    "color": {"field": "Chỉ tiêu", "type": "nominal"},
                },
                width=560,
                height=260,
            ),
        )
    project = data.sheets[BY_PROJECT.name]
    if project.rows:
        codes = project.column("programme_code")
        values = [
            {"Dự án": code, "Chỉ tiêu": title, "Triệu đồng": int(v or 0) / MILLION}
            for column, title in (
                ("allocation_vnd", "Kế hoạch / Plan"),
                ("disbursed_vnd", "Giải ngân / Disbursed"),
            )
            for code, v in zip(codes, project.column(column), strict=True)
        ]
        add(
            "Kế hoạch và giải ngân theo dự án (triệu đồng)",
            "Plan and disbursement by project (million đồng)",
            _spec(
                values,
                {"type": "bar"},
                {
                    "x": {"field": "Dự án", "type": "nominal", "sort": codes},
                    "xOffset": {"field": "Chỉ tiêu", "type": "nominal"},
                    "y": {"field": "Triệu đồng", "type": "quantitative"},
                    "color": {"field": "Chỉ tiêu", "type": "nominal"},
                },
                width=560,
                height=260,
            ),
        )
    return charts
