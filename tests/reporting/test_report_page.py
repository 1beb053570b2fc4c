"""The report's HTML page: a long sheet shows its first rows and says how many more the workbook
holds (a national follow-up list has hundreds of thousands: the page was 156 MB at scale M)."""

from __future__ import annotations

import pytest

from reporting import report_page
from reporting.report_data import ReportData, SheetData
from reporting.report_page import PAGE_ROWS, render_page
from reporting.report_sheets import FOLLOW_UP


@pytest.fixture(autouse=True)
def _no_charts(monkeypatch):
    # the charts read the summary and province sheets, which these pages do not have
    monkeypatch.setattr(report_page, "charts_svg", lambda data: [])


def test_a_long_sheet_shows_its_first_rows_and_counts_the_rest():
    columns = ["province_code", "source_row"]
    rows = [("15", n) for n in range(1, PAGE_ROWS + 1_235)]
    sheet = SheetData(spec=FOLLOW_UP, columns=columns, rows=rows)
    data = ReportData(period="2026-Q3", previous_report_at=None, sheets={"f": sheet}, progress=[])
    page = render_page(data, "2026-12-01 10:00")
    assert page.count("<tr>") == PAGE_ROWS + 1  # its header and the first rows
    assert f">{PAGE_ROWS}<" in page
    assert f">{PAGE_ROWS + 1}<" not in page
    assert "… và 1.234 dòng nữa trong tệp Excel, trang “Cần xác minh”" in page
    assert "1,234 more rows in the Excel workbook" in page


def test_a_short_sheet_is_shown_whole():
    sheet = SheetData(spec=FOLLOW_UP, columns=["province_code"], rows=[("15",), ("08",)])
    data = ReportData(period="2026-Q3", previous_report_at=None, sheets={"f": sheet}, progress=[])
    page = render_page(data, "2026-12-01 10:00")
    assert page.count("<tr>") == 3 and "dòng nữa" not in page
