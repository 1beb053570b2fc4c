"""Vietnamese text, numbers, units and periods as the provinces write them."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from connectors.vietnamese import (
    fold,
    nfc,
    parse_period,
    parse_unit,
    parse_vn_number,
    strip_admin_prefix,
    to_vnd,
)
from core.errors import InputRejected


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfc_joins_combining_marks():
    assert nfd("Lào Cai") != "Lào Cai"
    assert nfc(nfd("Lào Cai")) == "Lào Cai"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Lào Cai", "lao cai"),
        ("LÀO CAI", "lao cai"),
        ("Lao Cai", "lao cai"),
        (nfd("Đắk Lắk"), "dak lak"),
        ("Bà Rịa - Vũng Tàu", "ba ria vung tau"),
        ("  Điện   Biên\n", "dien bien"),
        ("Thừa Thiên–Huế", "thua thien hue"),
        ("Tỷ lệ (%)", "ty le %"),
    ],
)
def test_fold_is_diacritic_case_and_punctuation_insensitive(text, key):
    assert fold(text) == key


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("UBND TỈNH LÀO CAI", "LÀO CAI"),
        ("Ủy ban nhân dân tỉnh Kon Tum", "Kon Tum"),
        ("Uỷ ban nhân dân Thành phố Hà Nội", "Hà Nội"),
        ("Sở Dân tộc và Tôn giáo tỉnh Điện Biên", "Điện Biên"),
        ("SỞ DÂN TỘC VÀ TÔN GIÁO\nTỈNH LAI CHÂU", "LAI CHÂU"),
        ("Ban Dân tộc tỉnh Gia Lai", "Gia Lai"),
        ("Tỉnh Yên Bái", "Yên Bái"),
        ("TP. Cần Thơ", "Cần Thơ"),
        ("Tp Hồ Chí Minh", "Hồ Chí Minh"),
        ("Thành phố Huế", "Huế"),
        ("ubnd tinh son la", "son la"),
        (nfd("UBND TỈNH HÀ GIANG"), "HÀ GIANG"),
        ("Thanh Hóa", "Thanh Hóa"),
        ("Tỉnh", "Tỉnh"),
    ],
)
def test_strip_admin_prefix_keeps_the_name_with_its_diacritics(text, name):
    assert strip_admin_prefix(text) == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("-", None),
        ("–", None),
        (0, Decimal(0)),
        (1234, Decimal(1234)),
        (427824.068, Decimal("427824.068")),
        (0.1 + 0.2, Decimal("0.30000000000000004")),
        ("1.234.567,5", Decimal("1234567.5")),
        ("1,234,567.5", Decimal("1234567.5")),
        ("1 234 567", Decimal(1234567)),
        ("1\u00a0234,25", Decimal("1234.25")),
        ("12,5", Decimal("12.5")),
        ("1.234", Decimal(1234)),
        ("1.5", Decimal("1.5")),
        ("1,234,567", Decimal(1234567)),
        ("-3.000,25", Decimal("-3000.25")),
        ("(1.000)", Decimal(-1000)),
        ("0,001", Decimal("0.001")),
    ],
)
def test_parse_vn_number(value, expected):
    assert parse_vn_number(value) == expected


def test_parse_vn_number_with_the_decimal_mark_of_the_file():
    assert parse_vn_number("4235.027", decimal=".") == Decimal("4235.027")
    assert parse_vn_number("4235,027", decimal=",") == Decimal("4235.027")
    assert parse_vn_number("1,234.5", decimal=".") == Decimal("1234.5")


@pytest.mark.parametrize(
    "garbage", ["abc", "12a", "1.2.3,4,5", "1,23,4.5", "1.23.456", "--5", True, float("nan")]
)
def test_parse_vn_number_refuses_garbage_clearly(garbage):
    with pytest.raises(InputRejected) as err:
        parse_vn_number(garbage)
    assert "number" in str(err.value)


@pytest.mark.parametrize(
    ("text", "label", "vnd"),
    [
        ("Đơn vị tính: triệu đồng", "triệu đồng", 1_000_000),
        ("ĐVT: Triệu đồng", "triệu đồng", 1_000_000),
        ("(Đơn vị: tỷ đồng)", "tỷ đồng", 1_000_000_000),
        ("Đơn vị tính: nghìn đồng", "nghìn đồng", 1_000),
        ("Đơn vị tính: ngàn đồng", "nghìn đồng", 1_000),
        ("Don vi tinh: dong", "đồng", 1),
        ("DVT: trieu dong", "triệu đồng", 1_000_000),
        (nfd("Đơn vị tính: Đồng"), "đồng", 1),
        ("ĐVT: tr.đ", "triệu đồng", 1_000_000),
        ("Kế hoạch vốn (triệu đồng)", "triệu đồng", 1_000_000),
    ],
)
def test_parse_unit(text, label, vnd):
    assert parse_unit(text) == (label, vnd)


def test_parse_unit_names_what_it_could_not_read():
    with pytest.raises(InputRejected, match="USD"):
        parse_unit("Đơn vị tính: USD")


@pytest.mark.parametrize(
    ("text", "label", "end"),
    [
        ("Kỳ báo cáo: Quý III năm 2024", "2024-Q3", date(2024, 9, 30)),
        ("Quý I năm 2026", "2026-Q1", date(2026, 3, 31)),
        ("QUÝ IV NĂM 2025", "2025-Q4", date(2025, 12, 31)),
        (nfd("Quý II năm 2024"), "2024-Q2", date(2024, 6, 30)),
        ("Quy 2/2024", "2024-Q2", date(2024, 6, 30)),
        ("6 tháng đầu năm 2024", "2024-H1", date(2024, 6, 30)),
        ("Kỳ báo cáo: 6 thang dau nam 2025", "2025-H1", date(2025, 6, 30)),
        ("9 tháng đầu năm 2024", "2024-9M", date(2024, 9, 30)),
        ("9 tháng năm 2024", "2024-9M", date(2024, 9, 30)),
        ("Năm 2024", "2024", date(2024, 12, 31)),
        ("Cả năm 2024", "2024", date(2024, 12, 31)),
        ("Tháng 9/2024", "2024-09", date(2024, 9, 30)),
        ("tháng 2 năm 2024", "2024-02", date(2024, 2, 29)),
        ("(Kỳ báo cáo: Tháng 12/2025)", "2025-12", date(2025, 12, 31)),
        ("2024-Q3", "2024-Q3", date(2024, 9, 30)),
        ("2024-H1", "2024-H1", date(2024, 6, 30)),
        ("2024", "2024", date(2024, 12, 31)),
    ],
)
def test_parse_period(text, label, end):
    period = parse_period(text)
    assert (period.label, period.end_date, period.year) == (label, end, end.year)


@pytest.mark.parametrize("text", ["", "Quý V năm 2024", "Tháng 13/2024", "sắp tới", "2024-Q5"])
def test_parse_period_refuses_what_is_not_a_period(text):
    with pytest.raises(InputRejected, match="period"):
        parse_period(text)


@pytest.mark.parametrize(
    ("amount", "unit", "vnd"),
    [
        (Decimal("427824.068"), 1_000_000, 427_824_068_000),
        (Decimal("0.0005"), 1_000_000, 500),
        (Decimal("1.5"), 1, 2),
        (Decimal("2.5"), 1, 3),
        (Decimal("-2.5"), 1, -3),
        (Decimal("1.2345678905"), 1_000_000_000, 1_234_567_891),
        (Decimal("36350.993000000004"), 1_000_000, 36_350_993_000),
    ],
)
def test_to_vnd_rounds_half_up_to_the_dong(amount, unit, vnd):
    assert to_vnd(amount, unit) == vnd
