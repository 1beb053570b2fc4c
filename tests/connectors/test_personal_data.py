"""Citizen IDs, phone numbers and e-mails are found in free text and hidden; amounts, codes and
dates are left as they are."""

from __future__ import annotations

import pytest

from connectors.personal_data import (
    CCCD,
    CMND,
    EMAIL,
    NUMBER,
    PHONE,
    contains_personal_data,
    digits_only,
    find_personal_data,
    quote,
    redact,
    redact_cell,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("001234567890", CCCD),
        ("001 234 567 890", CCCD),
        ("001.234.567.890", CCCD),
        ("0012-3456-7890", CCCD),
        ("CCCD001234567890", f"CCCD{CCCD}"),
        ("CCCD: 001234567890.", f"CCCD: {CCCD}."),
        ("11085499189", CCCD),  # a CCCD whose leading zero a number cell dropped
        ("123456789", CMND),
        ("012 345 678", CMND),
        ("0912345678", PHONE),
        ("0912 345 678", PHONE),
        ("0912.345.678", PHONE),
        ("0912-345-678", PHONE),
        ("+84 912 345 678", PHONE),
        ("(+84) 912.345.678", PHONE),
        ("0084912345678", PHONE),
        ("024 3825 3536", PHONE),  # an 11-digit landline
        ("can.bo@dienbien.gov.vn", EMAIL),
    ],
)
def test_identifiers_are_replaced_by_their_marker(text, expected):
    assert redact(text) == expected
    assert contains_personal_data(text)


def test_the_rest_of_the_text_is_kept():
    line = "Người lập biểu: Nguyễn Văn A, CCCD 001234567890, ĐT 0912 345 678"
    assert redact(line) == f"Người lập biểu: Nguyễn Văn A, CCCD {CCCD}, ĐT {PHONE}"
    assert redact("Hỗ trợ nhà ở (liên hệ 0987654321)") == f"Hỗ trợ nhà ở (liên hệ {PHONE})"
    assert redact("bao_cao_001234567890.xlsx") == f"bao_cao_{CCCD}.xlsx"
    assert redact("Năm 2024 001 234 567 890") == f"Năm 2024 {CCCD}"
    assert redact("Ngày 05.10.2024 0912 345 678") == f"Ngày 05.10.2024 {PHONE}"
    assert redact("0912 345 678 05/10/2024") == f"{PHONE} 05/10/2024"
    assert redact("1.000.000.000 0912 345 678") == f"1.000.000.000 {PHONE}"
    assert [f.kind for f in find_personal_data(line)] == ["cccd", "phone"]


@pytest.mark.parametrize(
    "text",
    [
        "Hỗ trợ 22.500.000 đồng",
        "1.234.567.890",
        "1.050.000.000",
        "1 000 000 000",
        "22 500 000",
        "22,5",
        "1.234,5 và 0,5",
        "DA3.1",
        "TDA 1.2 của Dự án 3",
        "15/01/2024",
        "15.01.2024 2024-01-15",
        "20240115",
        "mã tỉnh 11, 011 và 10",
        "Năm 2024",
        "Quý III năm 2024",
        "1234567890",  # ten digits not starting with 0: an amount typed without separators
        "Xã Pú Nhi, Huyện Điện Biên Đông",
        "",
    ],
)
def test_amounts_codes_and_dates_are_no_identifiers(text):
    assert redact(text) == text
    assert not contains_personal_data(text)


def test_empty_values():
    assert redact(None) is None and not contains_personal_data(None)
    assert redact_cell(None) is None and redact_cell("") is None and redact_cell("  ") is None


def test_cells_meant_for_text():
    assert redact_cell(" Bản Co Muông ") == "Bản Co Muông"
    assert redact_cell("Bản Co Muông 0912345678") == f"Bản Co Muông {PHONE}"
    assert redact_cell(2.0) == "2"
    # an ID typed as a number loses its leading zeros: hidden whatever its length now is
    for number in (1234567890, 1234567890.0, 11085499189, 12345678):
        assert redact_cell(number) == NUMBER


def test_quotes_are_short_and_redacted():
    shown = quote("Người lập biểu: Nguyễn Văn A, CCCD 001234567890, ĐT 0912 345 678", 30)
    assert len(shown) <= 30 and "0012" not in shown and shown.endswith("…")
    assert quote("UBND TỈNH ĐIỆN BIÊN") == "UBND TỈNH ĐIỆN BIÊN"
    assert digits_only("0912 345 678") == "0912345678"


def test_markers_hold_no_digits():
    assert not any(c.isdigit() for c in CCCD + CMND + PHONE + EMAIL + NUMBER)
    assert redact(redact("001234567890 0912345678")) == f"{CCCD} {PHONE}"
