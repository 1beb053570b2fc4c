"""Digests in Vietnamese and English, and the scrubber that keeps personal data out of them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporting.alerts import AssignmentTable, Notice, render_digest, scrub
from reporting.alerts.assignments import Recipient


def recipient(language: str = "vi") -> Recipient:
    return Recipient(
        staff_id="vpdp-01",
        full_name="Nguyễn Thị Lan",
        role="Chuyên viên",
        email="lan.nt@vpdp.example.vn",
        webhook_url=None,
        provinces=frozenset({"15"}),
        projects=None,
        language=language,
    )


def test_vietnamese_digest_groups_by_province_and_period_blocking_first(make_finding):
    warning = make_finding(
        "w", severity="warning", check="outlier", period="2024-Q2", vi="Giải ngân tăng đột biến"
    )
    blocking = make_finding("b", vi="Dòng 23: tổng Dự án 5 lệch 250 triệu đồng")
    other_period = make_finding("c", check="completeness", period="2024-Q1", vi="Thiếu báo cáo")
    resolved = make_finding("r", vi="Thiếu cột Ghi chú", check="schema")
    seen = datetime(2024, 10, 1, tzinfo=UTC)
    digest = render_digest(
        recipient(),
        [
            Notice(warning, "new"),
            Notice(blocking, "reminder", seen),
            Notice(other_period, "new"),
            Notice(resolved, "resolved"),
        ],
        province_names={"15": "Lào Cai"},
    )
    assert digest.language == "vi"
    assert (
        digest.subject == "[MTQG 1719] 3 vấn đề dữ liệu cần xử lý (2 chặn), 1 vấn đề đã khắc phục"
    )
    body = digest.body
    assert body.startswith("Kính gửi Nguyễn Thị Lan,")
    assert body.index("Lào Cai (15) — kỳ báo cáo 2024-Q1") < body.index(
        "Lào Cai (15) — kỳ báo cáo 2024-Q2"
    )
    assert body.index("[CHẶN]") < body.index("[CẢNH BÁO]")
    assert "[nhắc lại, phát hiện từ 01/10/2024]" in body
    assert "Cần làm: Đề nghị đơn vị báo cáo kiểm tra lại số tổng hợp" in body
    assert "ĐÃ KHẮC PHỤC" in body and "✓ Lào Cai (15), kỳ 2024-Q3: Thiếu cột Ghi chú" in body
    assert body.index("ĐÃ KHẮC PHỤC") > body.index("Giải ngân tăng đột biến")
    assert "250 triệu đồng" in body  # amounts written with their unit survive the scrubber
    assert digest.chat_text.startswith("MTQG 1719 — 3 vấn đề cần xử lý (2 chặn):")
    assert "✓ 1 vấn đề đã khắc phục." in digest.chat_text
    assert len(digest.chat_text) < 1000


def test_english_digest_for_staff_marked_en(example_assignments, make_finding):
    table = AssignmentTable.from_csv(example_assignments)
    anh = table.by_staff_id("vpdp-03")
    problem = make_finding(province="01", project="DA3", check="completeness", en="No report")
    digest = render_digest(anh, [Notice(problem, "new")])
    assert digest.language == "en"
    assert digest.subject == "[MTQG 1719] 1 data problem to fix (1 blocking)"
    assert digest.body.startswith("Dear Lê Minh Anh,")
    assert "Province 01 — reporting period 2024-Q3" in digest.body
    assert "[BLOCKING] No report" in digest.body and "Project: DA3" in digest.body
    assert "Remind the sender" in digest.body
    assert "Dòng" not in digest.body  # the Vietnamese message is not used
    assert digest.problems()[0] | {"message": None} == {
        "key": problem.key,
        "status": "new",
        "severity": "blocking",
        "check": "completeness",
        "province_code": "01",
        "project_code": "DA3",
        "period": "2024-Q3",
        "source": problem.source,
        "message": None,
    }


def test_a_resolved_only_digest(make_finding):
    digest = render_digest(recipient("en"), [Notice(make_finding(), "resolved")])
    assert digest.subject == "[MTQG 1719] 1 resolved"
    assert "PROBLEMS TO FIX" not in digest.body and "RESOLVED" in digest.body
    assert digest.chat_text.startswith("NTP 1719 — ✓ 1 resolved.")
    assert digest.open_count == 0 and digest.resolved_count == 1


def test_run_failures_without_province_are_nationwide(make_finding):
    run = make_finding(severity="run_failure", check="run", province=None, period=None)
    digest = render_digest(recipient(), [Notice(run, "new")])
    assert "Toàn quốc / chung" in digest.body and "[LỖI CHẠY]" in digest.body


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("CCCD 001099012345 của chủ hộ", "001099012345"),
        ("CMND 123456789 sai", "123456789"),
        ("gọi 0912345678 để xác minh", "0912345678"),
        ("gọi 0912 345 678", "0912 345 678"),
        ("gọi 0912.345.678", "0912.345.678"),
        ("liên hệ +84 912 345 678", "912 345 678"),
        ("liên hệ +84912345678", "84912345678"),
        ("máy bàn 024 3823 4567", "3823 4567"),
        ("https://bot:Pa55w0rd@smtp.example.vn", "Pa55w0rd"),
        ("password=hunter2 token: abc.def", "hunter2"),
        ("token: abc.def", "abc.def"),
    ],
)
def test_scrubber_masks_ids_phones_and_secrets(text, leaked):
    assert leaked not in scrub(text)
    assert "***" in scrub(text)


@pytest.mark.parametrize(
    "text",
    [
        "Dòng 23: lệch 250.000.000 đồng",  # amounts with separators are not IDs
        "Kỳ 2024-Q3, ngày 30/09/2024, 10 dòng, mã tỉnh 15",
        "giải ngân 1234567890 đồng",  # ten digits: neither CMND nor CCCD nor a phone
    ],
)
def test_scrubber_leaves_ordinary_text_alone(text):
    assert scrub(text) == text


def test_personal_data_in_a_message_never_reaches_the_digest(make_finding):
    leaky = make_finding(vi="Hộ Nguyễn Văn A, CCCD 001099012345, ĐT 0912345678", en="x")
    digest = render_digest(recipient(), [Notice(leaky, "new")])
    for text in (digest.subject, digest.body, digest.chat_text, str(digest.problems())):
        assert "001099012345" not in text and "0912345678" not in text
