"""Placing a report's province in its administrative era, by name and/or code."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from connectors.admin_units import ProvinceDirectory, default_directory, era_on
from core.errors import InputRejected

Q3_2024 = date(2024, 9, 30)
Q1_2026 = date(2026, 3, 31)


@pytest.fixture(scope="module")
def directory() -> ProvinceDirectory:
    return default_directory()


def test_seed_has_both_eras(directory):
    eras = [p.admin_era for p in directory.provinces]
    assert (eras.count("2008"), eras.count("2025")) == (63, 34)


def test_era_changes_on_1_july_2025():
    assert era_on(date(2025, 6, 30)) == "2008"
    assert era_on(date(2025, 7, 1)) == "2025"


@pytest.mark.parametrize(
    ("name", "code", "day", "expected"),
    [
        ("UBND TỈNH YÊN BÁI", None, Q3_2024, ("Yên Bái", "2008", "15", "15")),
        ("Kon Tum", None, Q3_2024, ("Kon Tum", "2008", "62", "51")),
        ("Tỉnh Lào Cai", "10", Q3_2024, ("Lào Cai", "2008", "10", "15")),
        ("UBND tỉnh Lào Cai", None, Q1_2026, ("Lào Cai", "2025", "15", "15")),
        (None, "52", Q3_2024, ("Bình Định", "2008", "52", "52")),
        (None, "52", Q1_2026, ("Gia Lai", "2025", "52", "52")),
        (None, 15, Q3_2024, ("Yên Bái", "2008", "15", "15")),
        (None, "15", Q1_2026, ("Lào Cai", "2025", "15", "15")),
        (None, "80", Q3_2024, ("Long An", "2008", "80", "80")),
        (None, "80", Q1_2026, ("Tây Ninh", "2025", "80", "80")),
        ("Dak Lak", "66", Q3_2024, ("Đắk Lắk", "2008", "66", "66")),
        (
            unicodedata.normalize("NFD", "SỞ DÂN TỘC VÀ TÔN GIÁO TỈNH ĐIỆN BIÊN"),
            None,
            Q3_2024,
            ("Điện Biên", "2008", "11", "11"),
        ),
        ("Thừa Thiên Huế", None, Q3_2024, ("Huế", "2008", "46", "46")),
        ("TP. Hồ Chí Minh", "79", Q1_2026, ("Hồ Chí Minh", "2025", "79", "79")),
        ("Ho Chi Minh City", None, Q3_2024, ("Hồ Chí Minh", "2008", "79", "79")),
    ],
)
def test_resolve(directory, name, code, day, expected):
    p = directory.resolve(name=name, code=code, on_date=day)
    assert (p.name, p.admin_era, p.code_as_reported, p.code_2025) == expected


def test_code_and_name_that_disagree_are_refused_naming_both(directory):
    # 52 is Gia Lai after the reform, but Bình Định before it.
    with pytest.raises(InputRejected) as err:
        directory.resolve(name="Gia Lai", code="52", on_date=Q3_2024)
    message = str(err.value)
    assert "52" in message and "Bình Định" in message and "Gia Lai" in message


def test_unknown_name_and_unknown_code_are_refused(directory):
    with pytest.raises(InputRejected, match="Atlantis"):
        directory.resolve(name="Tỉnh Atlantis", on_date=Q3_2024)
    with pytest.raises(InputRejected, match="'99'"):
        directory.resolve(code="99", on_date=Q3_2024)


def test_a_name_of_the_other_era_is_refused_with_a_hint(directory):
    # Kon Tum was merged into Quảng Ngãi: a 2026 report cannot come from it.
    with pytest.raises(InputRejected) as err:
        directory.resolve(name="Kon Tum", on_date=Q1_2026)
    assert "Kon Tum" in str(err.value) and "63" in str(err.value)


def test_path_can_be_overridden(tmp_path):
    seed = tmp_path / "provinces.csv"
    seed.write_text(
        "admin_era,province_code,province_name,province_full_name,province_name_en,"
        "province_code_2025\n2008,10,Lào Cai,Tỉnh Lào Cai,Lao Cai,15\n",
        encoding="utf-8",
    )
    directory = ProvinceDirectory(seed)
    assert directory.resolve(name="lao cai", on_date=Q3_2024).code_2025 == "15"
    with pytest.raises(InputRejected):
        directory.resolve(name="Kon Tum", on_date=Q3_2024)
