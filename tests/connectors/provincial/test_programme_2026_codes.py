"""Reports of 2026 on in the 2026–2035 programme's codes (hợp phần HP1, HP2 and their
sub-components HP1.01 …, as the seed writes them), from Form 01 and the flat CSV; a report's
regime follows its period, and a report in both regimes, or in 2026 codes before 2026, is
refused naming the row."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import xlsxwriter

from connectors.provincial.flat_csv import read_flat_csv
from connectors.provincial.form01 import read_form01
from tests.connectors.provincial.test_form01 import unpivot as leaf_facts

HEADER = [
    ["STT", "Nội dung", "Kế hoạch vốn năm 2026", "", "", "Giải ngân", "", ""],
    ["", "", "Tổng số", "ĐTPT", "SN", "Tổng số", "ĐTPT", "SN"],
]
FIRST_DATA_ROW = 7  # Excel row of the first row under TOP + HEADER


def top(period: str = "Quý I năm 2026", sender: str = "UBND TỈNH TUYÊN QUANG") -> list[list]:
    return [
        [sender],
        ["BÁO CÁO TÌNH HÌNH GIẢI NGÂN CHƯƠNG TRÌNH MTQG"],
        [f"Kỳ báo cáo: {period}"],
        ["", "", "", "", "", "", "Đơn vị tính: triệu đồng"],
    ]


# A 2026-Q1 report of Tuyên Quang in the 2026–2035 structure (amounts in triệu đồng).
HP1_NAME = "Hợp phần 1: Xây dựng nông thôn mới và giảm nghèo bền vững"
HP2_NAME = "Hợp phần 2: Phát triển KT-XH vùng đồng bào DTTS và miền núi"
HP_ROWS = [
    ["", "TỔNG CỘNG", 1000.5, 600, 400.5, 300.25, 200, 100.25],
    ["I", "Ngân sách trung ương", 800.5, 500, 300.5, 250.25, 180, 70.25],
    ["1", HP1_NAME, 500.5, 300, 200.5, 150.25, 100, 50.25],
    ["1.1", "Nhóm nội dung thành phần 1", 300, 300, "", 100, 100, ""],
    ["1.2", "Nhóm nội dung thành phần 2", 200.5, "", 200.5, 50.25, "", 50.25],
    ["2", HP2_NAME, 300, 200, 100, 100, 80, 20],
    ["II", "Ngân sách địa phương", 200, 100, 100, 50, 20, 30],
    ["2", "Hợp phần 2", 200, 100, 100, 50, 20, 30],
]
# (budget source, project, sub-project, capital type) -> (planned, disbursed), integer đồng
HP_FACTS = {
    ("central", "HP1", "HP1.01", "investment"): (300_000_000, 100_000_000),
    ("central", "HP1", "HP1.01", "recurrent"): (0, 0),
    ("central", "HP1", "HP1.02", "investment"): (0, 0),
    ("central", "HP1", "HP1.02", "recurrent"): (200_500_000, 50_250_000),
    ("central", "HP2", None, "investment"): (200_000_000, 80_000_000),
    ("central", "HP2", None, "recurrent"): (100_000_000, 20_000_000),
    ("local", "HP2", None, "investment"): (100_000_000, 20_000_000),
    ("local", "HP2", None, "recurrent"): (100_000_000, 30_000_000),
}


def write_form01(path: Path, rows: list[list], period: str = "Quý I năm 2026") -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Bieu01")
    for r, row in enumerate([*top(period), *HEADER, *rows]):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write(r, c, value)
    workbook.close()
    return path


def codes(report) -> list[tuple]:
    return [
        (x["source_row"], x["project_code"], x["subproject_code"])
        for x in report.lines.to_pylist()
        if x["line_kind"] in ("project", "subproject")
    ]


def test_a_2026_form01_in_components_gives_hp_lines_to_the_dong(tmp_path):
    report = read_form01(write_form01(tmp_path / "tq.xlsx", HP_ROWS))
    assert report.problems == []
    assert (report.province.code_as_reported, report.period.label) == ("08", "2026-Q1")
    assert codes(report) == [
        (9, "HP1", None),
        (10, "HP1", "HP1.01"),
        (11, "HP1", "HP1.02"),
        (12, "HP2", None),
        (14, "HP2", None),
    ]
    assert leaf_facts(report) == HP_FACTS
    assert sum(p for p, _ in HP_FACTS.values()) == 1_000_500_000  # the grand total's plan


NFD = unicodedata.normalize("NFD", "Nhóm nội dung thành phần số 2: Giảm nghèo")


@pytest.mark.parametrize(
    ("component", "content_1", "content_2"),
    [
        (
            "Hop phan 1: Xay dung nong thon moi",
            "Nhom noi dung thanh phan 1",
            "Noi dung thanh phan 2",
        ),
        ("HỢP PHẦN I", "Nội dung thành phần 1.1", NFD),
        ("HP1 - Nông thôn mới và giảm nghèo", "HP1.01: Hạ tầng", "NDTP 2"),
    ],
    ids=["no-diacritics", "roman-nfd-dotted", "codes"],
)
def test_the_ways_a_province_writes_components_and_contents(
    tmp_path, component, content_1, content_2
):
    rows = [list(r) for r in HP_ROWS]
    rows[2][1], rows[3][1], rows[4][1] = component, content_1, content_2
    rows[3][0] = rows[4][0] = "-"  # the STT says nothing: the labels do
    report = read_form01(write_form01(tmp_path / "tq.xlsx", rows))
    assert report.problems == []
    assert leaf_facts(report) == HP_FACTS


def test_rows_numbered_only_follow_the_period_and_a_2026_report_is_warned(tmp_path):
    rows = [list(r) for r in HP_ROWS]
    for row in rows[2:6] + rows[7:]:
        row[1] = "Nội dung"  # no 'Hợp phần' nor 'Dự án' anywhere: only the STT numbers
    report = read_form01(write_form01(tmp_path / "tq.xlsx", rows))
    assert leaf_facts(report) == HP_FACTS
    [warning] = report.problems
    assert (warning.row, warning.check, warning.blocking) == (9, "programme", False)
    assert "HP1" in warning.reason and "2026-Q1" in warning.reason
    # the same rows in a 2024 report are the phase I projects, as always
    old = read_form01(
        write_form01(tmp_path / "old.xlsx", rows, "Quý III năm 2024"),
    )
    assert old.problems == []
    assert ("central", "DA1", "DA1.1", "investment") in leaf_facts(old)


def test_a_2026_report_in_phase_one_projects_is_read_as_written(tmp_path):
    """The warehouse knows phase I codes in every period and carries them to the 2026–2035
    structure through the crosswalk: the reader keeps them."""
    rows = [
        ["", "TỔNG CỘNG", 100, 100, "", 40, 40, ""],
        ["I", "Ngân sách trung ương", 100, 100, "", 40, 40, ""],
        ["1", "Dự án 4: Đầu tư cơ sở hạ tầng", 100, 100, "", 40, 40, ""],
        ["4.1", "Tiểu dự án 1", 100, 100, "", 40, 40, ""],
    ]
    report = read_form01(write_form01(tmp_path / "tq.xlsx", rows))
    assert report.problems == []
    assert codes(report) == [(9, "DA4", None), (10, "DA4", "DA4.1")]


def test_components_in_a_phase_one_period_are_refused_naming_the_row(tmp_path):
    rows = [
        ["I", "Ngân sách trung ương", 100, 100, "", 40, 40, ""],
        ["1", "Dự án 1", 60, 60, "", 30, 30, ""],
        ["2", "Hợp phần 2", 40, 40, "", 10, 10, ""],
    ]
    report = read_form01(write_form01(tmp_path / "lc.xlsx", rows, "Quý IV năm 2025"))
    [problem] = [p for p in report.problems if p.check == "programme"]
    assert (problem.sheet, problem.row, problem.blocking) == ("Bieu01", 9, True)
    assert "HP2" in problem.reason and "2025-Q4" in problem.reason
    assert not report.is_acceptable


def test_a_report_mixing_the_two_regimes_is_refused_naming_the_row(tmp_path):
    rows = [
        ["I", "Ngân sách trung ương", 100, 100, "", 40, 40, ""],
        ["1", "Hợp phần 1", 60, 60, "", 30, 30, ""],
        ["-", "Tiểu dự án 2", 60, 60, "", 30, 30, ""],
        ["2", "Dự án 3: Phát triển sản xuất", 40, 40, "", 10, 10, ""],
    ]
    report = read_form01(write_form01(tmp_path / "tq.xlsx", rows))
    problems = [p for p in report.problems if p.check == "programme"]
    assert [(p.row, p.blocking) for p in problems] == [(9, True), (10, True)]
    assert "dòng 8 (HP1)" in problems[0].reason and "DA1.2" in problems[0].reason
    assert "DA3" in problems[1].reason and "one report is written in one regime" in (
        problems[1].reason
    )
    assert not report.is_acceptable


def test_a_content_listed_under_another_component_is_a_problem(tmp_path):
    rows = [
        ["1", "Hợp phần 2", 60, 60, "", 30, 30, ""],
        ["1.3", "Nhóm nội dung thành phần 3", 60, 60, "", 30, 30, ""],
    ]
    report = read_form01(write_form01(tmp_path / "tq.xlsx", rows))
    [problem] = report.problems
    assert problem.row == 8 and "nội dung thành phần 1.3 nằm dưới Hợp phần 2" in problem.reason
    assert codes(report)[1] == (8, "HP1", "HP1.03")


CSV_HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
)


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_2026_csv_in_hp_codes_gives_hp_lines(tmp_path):
    path = write_csv(
        tmp_path / "portal.csv",
        "08,Tuyên Quang,2026-Q1,HP1,HP1.01,NSTW,DTPT,300,100,05/04/2026",
        "08,Tuyên Quang,2026-Q1,Hợp phần 1,ND2,NSTW,SN,200.5,50.25,05/04/2026",
        "08,Tuyên Quang,2026-Q1,hp 2,,NSDP,DTPT,100,20,05/04/2026",
        "08,Tuyên Quang,2026-Q1,HP02,,NSTW,SN,100,20,05/04/2026",
    )
    [report] = read_flat_csv(path)
    assert report.problems == []
    assert codes(report) == [
        (2, "HP1", "HP1.01"),
        (3, "HP1", "HP1.02"),
        (4, "HP2", None),
        (5, "HP2", None),
    ]
    facts = leaf_facts(report)
    assert facts[("central", "HP1", "HP1.01", "investment")] == (300_000_000, 100_000_000)
    assert facts[("central", "HP1", "HP1.02", "recurrent")] == (200_500_000, 50_250_000)
    assert facts[("local", "HP2", None, "investment")] == (100_000_000, 20_000_000)


def test_csv_codes_in_the_wrong_regime_are_problems_naming_the_line(tmp_path):
    path = write_csv(
        tmp_path / "portal.csv",
        # 2025-Q4 is phase I: a 2026–2035 code is refused; phase I codes pass
        "15,Lào Cai,2025-Q4,DA1,,NSTW,DTPT,10,1,05/01/2026",
        "15,Lào Cai,2025-Q4,HP2,,NSTW,SN,10,1,05/01/2026",
        # 2026-Q1 of another province, in HP codes then a DA code: the mix is refused
        "08,Tuyên Quang,2026-Q1,HP2,,NSTW,DTPT,10,1,05/04/2026",
        "08,Tuyên Quang,2026-Q1,DA3,TDA1,NSTW,SN,10,1,05/04/2026",
        # a sub-project code of the other regime than its project's is no code of it
        "08,Tuyên Quang,2026-Q1,HP1,TDA1,NSDP,SN,10,1,05/04/2026",
    )
    reports = {r.period.label: r for r in read_flat_csv(path)}
    old, new = reports["2025-Q4"], reports["2026-Q1"]
    [wrong_period] = old.problems
    assert (wrong_period.sheet, wrong_period.row, wrong_period.check) == ("portal", 3, "programme")
    assert "HP2" in wrong_period.reason and "2025-Q4" in wrong_period.reason
    assert [(p.row, p.check) for p in new.problems] == [(5, "programme"), (6, "read")]
    assert "dòng 4 (HP2)" in new.problems[0].reason
    assert "TDA1" in new.problems[1].reason
    assert not old.is_acceptable and not new.is_acceptable


def test_one_csv_may_hold_a_phase_one_report_and_a_2026_one(tmp_path):
    path = write_csv(
        tmp_path / "portal.csv",
        "08,Tuyên Quang,2025-Q4,DA1,,NSTW,DTPT,10,1,05/01/2026",
        "08,Tuyên Quang,2026-Q1,HP2,,NSTW,DTPT,10,1,05/04/2026",
        "08,Tuyên Quang,2026-Q1,1,,NSTW,SN,10,1,05/04/2026",  # a bare number: by the period
    )
    reports = {r.period.label: r for r in read_flat_csv(path)}
    assert reports["2025-Q4"].problems == []
    assert codes(reports["2026-Q1"]) == [(3, "HP2", None), (4, "HP1", None)]
    [warning] = reports["2026-Q1"].problems
    assert (warning.row, warning.blocking) == (4, False)
