"""The quality page: one self-contained, escaped HTML file in Vietnamese with English headings."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from reporting.alerts import AlertDispatcher, Finding
from reporting.quality_page import write_quality_page

AT = datetime(2024, 10, 15, 8, 0, tzinfo=UTC)

BATCHES = [
    {
        "batch_id": "b-001",
        "source": "inbox",
        "original_name": "bieu01_lao_cai_2024_q3.xlsx",
        "province_name": "Lào Cai",
        "province_code_2025": "15",
        "period": "2024-Q3",
        "status": "accepted",
        "reasons": "",
        "row_count": 1234,
    },
    {
        "batch_id": "b-002",
        "source": "gia_lai_portal",
        "file": "bao_cao_<quy3>.xlsx",
        "province": "Gia Lai",
        "period": "2024-Q3",
        "status": "quarantined",
        "reasons": (
            "sheet Bieu01 row 23: tổng Dự án 5 lệch 250 triệu đồng; row 40: CCCD 001099012345"
        ),
        "row_count": 41,
    },
]
CHECKS = [
    {
        "batch_id": "b-002",
        "suite": "form01",
        "expectation_type": "expect_column_values_to_not_be_null",
        "column_name": "planned_total_vnd",
        "severity": "blocking",
        "success": False,
        "unexpected_count": 7,
        "message_vi": "Thiếu kế hoạch vốn",
        "message_en": "Planned capital missing",
        "failing_locations_json": json.dumps([{"sheet": "Bieu01", "row": r} for r in range(8, 15)]),
    },
    {
        "batch_id": "b-001",
        "suite": "form01",
        "expectation_type": "expect_column_values_to_be_between",
        "severity": "warning",
        "success": False,
        "message_vi": "Tỷ lệ giải ngân > 100%",
        "message_en": "Disbursement rate above 100%",
    },
    {
        "batch_id": "b-001",
        "suite": "form01",
        "expectation_type": "expect_table_row_count_to_be_between",
        "severity": "blocking",
        "success": True,
        "message_vi": "ĐẠT-KHÔNG-HIỆN",
        "message_en": "passed",
    },
]
COMPLETENESS = [
    {"province_code": "15", "period": "2024-Q3", "expected": 1, "received": 1},
    {"province_code": "52", "period": "2024-Q3", "expected": 1, "received": 0},
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_page_shows_batches_failed_checks_completeness_and_alerts(tmp_path):
    finding = Finding(
        key="form01|52|2024-Q3|reconciliation",
        severity="blocking",
        check="reconciliation",
        province_code="52",
        project_code=None,
        period="2024-Q3",
        source="bao_cao_quy3.xlsx",
        message_vi="Dòng 23: tổng Dự án 5 lệch 250 triệu đồng",
        message_en="Row 23: Project 5 subtotal off by 250 million VND",
    )
    alerts = AlertDispatcher(None, tmp_path / "alerts.json", now=AT).dispatch([finding])
    page = write_quality_page(
        tmp_path / "quality", BATCHES, CHECKS, COMPLETENESS, alerts, generated_at=AT
    )
    assert page == tmp_path / "quality" / "index.html"
    html = page.read_text(encoding="utf-8")

    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert "Lô dữ liệu đã nhận <small>/ Batches received</small>" in html
    assert "Cập nhật / generated: 15/10/2024 08:00 UTC" in html
    # Batches: both, with their status, province, period, rows and reasons.
    assert "bieu01_lao_cai_2024_q3.xlsx" in html and "Lào Cai (15)" in html
    assert "Đã chấp nhận / accepted" in html and "Cách ly / quarantined" in html
    assert "1.234" in html
    assert "<li>sheet Bieu01 row 23: tổng Dự án 5 lệch 250 triệu đồng</li>" in html
    # Failed checks only, blocking first, with a few locations.
    assert html.index("Thiếu kế hoạch vốn") < html.index("Tỷ lệ giải ngân &gt; 100%")
    assert "ĐẠT-KHÔNG-HIỆN" not in html
    assert "<li>sheet Bieu01, row 8</li>" in html and "… +2" in html
    # Completeness: the missing province is highlighted.
    assert "Phải nộp <small>/ Expected</small>" in html
    assert re.search(r'<tr class="incomplete">\s*<td>52</td>', html)
    # Alerts of the run (no alerts.yaml: listed but not sent).
    assert "chưa được gửi" in html and "not_sent" in html
    assert "Dòng 23: tổng Dự án 5 lệch 250 triệu đồng" in html


def test_page_is_escaped_self_contained_and_free_of_personal_data(tmp_path):
    page = write_quality_page(tmp_path, BATCHES, CHECKS, COMPLETENESS, None, generated_at=AT)
    html = page.read_text(encoding="utf-8")
    assert "bao_cao_&lt;quy3&gt;.xlsx" in html and "<quy3>" not in html
    assert "001099012345" not in html
    collector = _Collector()
    collector.feed(html)
    tags = collector.tags
    assert not [t for t, a in tags if t in ("script", "link", "img", "iframe")]
    assert not [a for _, a in tags if "src" in a or str(a.get("href", "")).startswith("http")]
    assert ("style", {}) in tags
    assert "No alerts were dispatched in this run" in html


def test_an_empty_page_still_renders(tmp_path):
    html = write_quality_page(tmp_path, [], [], [], None, generated_at=AT).read_text("utf-8")
    assert "Chưa có lô dữ liệu nào. / No batches yet." in html
    assert "Không có kiểm tra nào không đạt. / No failed checks." in html
    assert list(tmp_path.iterdir()) == [tmp_path / "index.html"]  # no temporary file left
