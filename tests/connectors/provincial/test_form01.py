"""Form 01 as the provinces send it: the real example, layouts of other provinces, broken files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import xlsxwriter

from connectors.provincial.form01 import read_form01
from connectors.provincial.reconcile import reconcile
from connectors.provincial.schema import LINE_SCHEMA
from core.errors import ReportReadError
from demo.form01_writer import (
    Form01Leaf,
    Form01Spec,
    Form01Variant,
    InjectedError,
    leaves_from_rows,
    write_form01,
)

EXAMPLE = "sources/examples/bieu01_lao_cai_2024_q3.xlsx"


def unpivot(report) -> dict[tuple, tuple[int, int]]:
    """Leaf facts as in the truth files: one per capital type, an empty cell counting as 0."""
    facts = {}
    for line in report.lines.to_pylist():
        if line["is_leaf"]:
            for capital in ("investment", "recurrent"):
                key = (
                    line["budget_source"],
                    line["project_code"],
                    line["subproject_code"],
                    capital,
                )
                facts[key] = (
                    line[f"planned_{capital}_vnd"] or 0,
                    line[f"disbursed_{capital}_vnd"] or 0,
                )
    return facts


def expected_facts(leaves) -> dict[tuple, tuple[int, int]]:
    return {
        (x.budget_source, x.project_code, x.subproject_code, x.capital_type): (
            x.planned_vnd,
            x.disbursed_vnd,
        )
        for x in leaves
    }


def write_rows(path: Path, rows: list[list], sheet: str = "Bieu01") -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value not in ("", None):
                worksheet.write(r, c, value)
    workbook.close()
    return path


HEADER = [
    ["STT", "Nội dung", "Kế hoạch vốn năm 2024", "", "", "Giải ngân", "", "", "Tỷ lệ (%)"],
    ["", "", "Tổng số", "ĐTPT", "SN", "Tổng số", "ĐTPT", "SN", ""],
]
TOP = [
    ["UBND TỈNH ĐIỆN BIÊN"],
    ["BÁO CÁO GIẢI NGÂN"],
    ["Kỳ báo cáo: 6 tháng đầu năm 2024"],
    ["", "", "", "", "", "", "Đơn vị tính: triệu đồng"],
]


def test_lao_cai_example_matches_its_truth_file(shared):
    truth = json.loads((shared / EXAMPLE).with_suffix(".truth.json").read_text(encoding="utf-8"))
    report = read_form01(shared / EXAMPLE)
    assert report.problems == []
    assert report.lines.schema == LINE_SCHEMA
    assert (
        report.province.name,
        report.province.admin_era,
        report.province.code_as_reported,
        report.province.code_2025,
    ) == (
        truth["province_name"],
        truth["admin_era"],
        truth["province_code_as_reported"],
        truth["province_code_2025"],
    )
    assert (report.period.label, report.unit, report.unit_vnd) == (
        truth["period"],
        truth["unit"],
        1_000_000,
    )
    assert report.tolerance_vnd == 1_000  # three decimals of triệu đồng
    assert unpivot(report) == expected_facts(leaves_from_rows(truth["leaves"]))
    [grand] = [x for x in report.lines.to_pylist() if x["line_kind"] == "grand_total"]
    assert grand["planned_total_vnd"] == truth["totals"]["planned_vnd"]
    assert grand["disbursed_total_vnd"] == truth["totals"]["disbursed_vnd"]


def test_lao_cai_example_keeps_every_line_and_no_signature(shared):
    report = read_form01(shared / EXAMPLE)
    lines = report.lines.to_pylist()
    assert [x["source_row"] for x in lines] == list(range(11, 60))
    assert report.rows_read == 49
    kinds = [x["line_kind"] for x in lines]
    assert kinds.count("grand_total") == 1 and kinds.count("budget_source") == 2
    by_row = {x["source_row"]: x for x in lines}
    assert by_row[12]["parent_source_row"] == 11 and by_row[36]["parent_source_row"] == 11
    assert by_row[15]["project_code"] == "DA3" and not by_row[15]["is_leaf"]
    assert (by_row[16]["subproject_code"], by_row[16]["parent_source_row"]) == ("DA3.1", 15)
    # Tiểu dự án 3 of Dự án 5 has empty cells: nulls, not zeros
    assert by_row[24]["subproject_code"] == "DA5.3" and by_row[24]["planned_total_vnd"] is None
    assert by_row[24]["label"].startswith("Tiểu dự án 3")


LEAVES = (
    Form01Leaf("central", "DA1", None, "investment", 1_500_000_000, 700_000_000),
    Form01Leaf("central", "DA1", None, "recurrent", 250_000_000, 0),
    Form01Leaf("central", "DA3", "DA3.1", "recurrent", 8_721_087_000, 7_963_718_000),
    Form01Leaf("central", "DA3", "DA3.2", "recurrent", 27_629_906_000, 4_281_004_000),
    Form01Leaf("central", "DA5", "DA5.2", "recurrent", 8_373_068_000, 7_269_141_000),
    Form01Leaf("central", "DA5", "DA5.4", "recurrent", 9_545_945_000, 1_635_290_000),
    Form01Leaf("local", "DA3", None, "recurrent", 3_455_570_000, 844_274_000),
    Form01Leaf("local", "DA10", "DA10.3", "recurrent", 3_493_757_000, 2_918_419_000),
)
SPEC = Form01Spec(
    sender="SỞ DÂN TỘC VÀ TÔN GIÁO TỈNH KON TUM", period_text="Quý II năm 2024", leaves=LEAVES
)


@pytest.mark.parametrize(
    "variant",
    [
        Form01Variant(),
        Form01Variant(file_format="xls", subproject_stt="a)", grand_total_at_bottom=True),
        Form01Variant(unit="đồng", numbers_as_text=True, column_numbers=False, nfd=True),
        Form01Variant(
            unit="tỷ đồng",
            subproject_stt="N.M",
            header_wording="abbreviated",
            disbursed_first=True,
            total_last=True,
            unit_line="ĐVT: {unit}",
        ),
        Form01Variant(
            unit="nghìn đồng",
            subproject_stt="Tiểu dự án M",
            header_wording="short",
            blank_rows=True,
            leading_empty_columns=3,
            trong_do_line=True,
            unit_line="(Đơn vị: {unit})",
        ),
    ],
    ids=[
        "default",
        "xls-letters-total-bottom",
        "dong-text-nfd",
        "ty-abbrev-reordered",
        "nghin-short-shifted",
    ],
)
def test_layouts_of_other_provinces_give_the_same_facts(tmp_path, variant):
    path = tmp_path / f"bieu01.{variant.file_format}"
    write_form01(path, SPEC, variant)
    report = read_form01(path)
    assert report.problems == []
    assert (report.province.name, report.province.code_as_reported, report.period.label) == (
        "Kon Tum",
        "62",
        "2024-Q2",
    )
    facts = unpivot(report)
    expected = expected_facts(LEAVES)
    for key, value in facts.items():
        assert expected.get(key, (0, 0)) == value, key
    assert set(expected) <= set(facts)


def test_a_project_is_a_leaf_in_the_block_where_it_has_no_sub_projects(tmp_path):
    path = write_form01(tmp_path / "b.xlsx", SPEC) or tmp_path / "b.xlsx"
    lines = read_form01(path).lines.to_pylist()
    da3 = {
        x["budget_source"]: x
        for x in lines
        if x["line_kind"] == "project" and x["project_code"] == "DA3"
    }
    assert not da3["central"]["is_leaf"] and da3["local"]["is_leaf"]
    # numbered by their numbers, not by position: DA5.2 and DA5.4, not DA5.1 and DA5.2
    subs = [
        x["subproject_code"]
        for x in lines
        if x["project_code"] == "DA5" and x["line_kind"] == "subproject"
    ]
    assert subs == ["DA5.2", "DA5.4"]


def test_grand_total_at_the_bottom_still_totals_the_sources(tmp_path):
    path = tmp_path / "b.xlsx"
    write_form01(path, SPEC, Form01Variant(grand_total_at_bottom=True))
    lines = read_form01(path).lines.to_pylist()
    grand = lines[-1]
    assert grand["line_kind"] == "grand_total"
    sources = [x for x in lines if x["line_kind"] == "budget_source"]
    assert {x["parent_source_row"] for x in sources} == {grand["source_row"]}


def test_an_injected_subtotal_error_is_a_blocking_problem_naming_row_and_amount(tmp_path):
    path = tmp_path / "b.xlsx"
    error = InjectedError("central", "DA5", "planned_recurrent_vnd", 250_000_000)
    write_form01(path, SPEC, Form01Variant(error=error))
    report = read_form01(path)
    assert not report.is_acceptable
    da5 = next(
        x
        for x in report.lines.to_pylist()
        if x["project_code"] == "DA5" and x["line_kind"] == "project"
    )
    on_da5 = [p for p in report.problems if p.row == da5["source_row"]]
    assert on_da5 and all(p.check == "reconciliation" and p.blocking for p in on_da5)
    reason = on_da5[0].reason
    assert reason.startswith(f"Biểu Bieu01, dòng {da5['source_row']}: tổng của Dự án 5")
    assert "lớn hơn tổng các tiểu dự án 250 triệu đồng" in reason
    assert "Dự án 5 (central)" in reason and "more than its sub-projects" in reason


def test_a_difference_within_the_stated_precision_is_tolerated(tmp_path):
    rows = [
        *TOP,
        *HEADER,
        ["", "Tổng cộng", 30.001, 0, 30.001, 10, 0, 10],
        ["I", "Ngân sách trung ương", 30, "", 30, 10, "", 10],
        ["1", "Dự án 1", 30, "", 30, 10, "", 10],
    ]
    report = read_form01(write_rows(tmp_path / "t.xlsx", rows))
    assert report.tolerance_vnd == 1_000
    assert report.problems == []  # 1 000 đồng off: one unit of the third decimal
    rows[6][2] = rows[6][4] = 30.002
    report = read_form01(write_rows(tmp_path / "t2.xlsx", rows))
    # planned total and planned recurrent of the grand total are both 2 000 đồng off
    assert [(p.row, p.check) for p in report.problems] == [(7, "reconciliation")] * 2


def test_an_empty_parent_over_children_with_values_is_not_an_error(tmp_path):
    rows = [
        *TOP,
        *HEADER,
        ["1", "Dự án 3: Phát triển sản xuất", "", "", "", "", "", ""],
        ["-", "Tiểu dự án 1: ...", 5, "", 5, 1, "", 1],
        ["-", "Tiểu dự án 2: ...", 7.5, 2.5, 5, 2, "", 2],
    ]
    report = read_form01(write_rows(tmp_path / "t.xlsx", rows))
    assert report.problems == []
    lines = report.lines.to_pylist()
    assert [x["subproject_code"] for x in lines] == [None, "DA3.1", "DA3.2"]
    assert lines[0]["planned_total_vnd"] is None and not lines[0]["is_leaf"]


def test_trong_do_lines_blank_rows_and_column_numbers_are_not_data(tmp_path):
    rows = [
        *TOP,
        *HEADER,
        ["1", "2", "3=4+5", "4", "5", "6=7+8", "7", "8", "9=6/3"],
        ["I", "Vốn ngân sách trung ương", 12, 0, 12, 3, 0, 3],
        [],
        ["4", "Dự án 4: Hạ tầng", 12, 0, 12, 3, 0, 3],
        ["", "Trong đó:"],
        ["4.1", "Đầu tư cơ sở hạ tầng thiết yếu", 12, "", 12, 3, "", 3],
        [],
        ["", "NGƯỜI LẬP BIỂU", "", "", "", "", "KT. CHỦ TỊCH"],
        ["", "Nguyễn Văn A", "", "", "", "", "Trần Thị B"],
    ]
    report = read_form01(write_rows(tmp_path / "t.xlsx", rows))
    assert report.problems == []
    assert [x["line_kind"] for x in report.lines.to_pylist()] == [
        "budget_source",
        "project",
        "subproject",
    ]
    assert report.lines.to_pylist()[2]["subproject_code"] == "DA4.1"


def test_a_cell_that_is_not_a_number_is_a_located_problem(tmp_path):
    rows = [*TOP, *HEADER, ["1", "Dự án 1", "mười", "", 10, 1, "", 1]]
    report = read_form01(write_rows(tmp_path / "t.xlsx", rows))
    [problem] = report.problems
    assert (problem.row, problem.check, problem.blocking) == (7, "read", True)
    assert "C7" in problem.reason and "mười" in problem.reason


def test_reconcile_checks_totals_against_investment_plus_recurrent():
    import pyarrow as pa

    row = dict.fromkeys(LINE_SCHEMA.names)
    row.update(
        source_sheet="S",
        source_row=5,
        line_kind="project",
        is_leaf=True,
        budget_source="local",
        project_code="DA2",
        label="Dự án 2",
        planned_total_vnd=10_000,
        planned_investment_vnd=4_000,
        planned_recurrent_vnd=5_000,
    )
    table = pa.Table.from_pylist([row], schema=LINE_SCHEMA)
    [problem] = reconcile(table, 999, "S")
    assert problem.row == 5 and "1.000 đồng" in problem.reason and "(local)" in problem.reason
    assert reconcile(table, 1_000, "S") == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (os.urandom(2048), "spreadsheet"),
        (b"PK\x03\x04 this is not really a zip", "spreadsheet"),
    ],
    ids=["empty", "random-bytes", "fake-zip"],
)
def test_files_that_are_not_spreadsheets_are_refused(tmp_path, content, reason):
    path = tmp_path / "bao_cao_quy3.xlsx"
    path.write_bytes(content)
    with pytest.raises(ReportReadError) as err:
        read_form01(path)
    assert reason in str(err.value) and "bao_cao_quy3.xlsx" in str(err.value)


def test_a_sheet_without_a_table_is_refused(tmp_path):
    path = write_rows(tmp_path / "t.xlsx", [["UBND TỈNH LÀO CAI"], ["Kính gửi: Văn phòng"]])
    with pytest.raises(ReportReadError, match="no Form 01 table"):
        read_form01(path)


def test_a_missing_sheet_is_named(tmp_path):
    path = write_rows(tmp_path / "t.xlsx", [*TOP, *HEADER])
    with pytest.raises(ReportReadError, match="Bieu99"):
        read_form01(path, sheet="Bieu99")


@pytest.mark.parametrize(
    ("top", "message"),
    [
        (
            [["UBND TỈNH ĐIỆN BIÊN"], ["", "", "", "", "", "", "Đơn vị tính: triệu đồng"]],
            "no reporting period",
        ),
        ([["UBND TỈNH ĐIỆN BIÊN"], ["Kỳ báo cáo: Quý I năm 2024"]], "no unit of money"),
        (
            [["UBND TỈNH ĐIỆN BIÊN"], ["Kỳ báo cáo: Quý I năm 2024"], ["ĐVT: đô la Mỹ"]],
            "no unit of money",
        ),
        ([["UBND TỈNH ATLANTIS"], ["Kỳ báo cáo: Quý I năm 2024"], ["ĐVT: triệu đồng"]], "ATLANTIS"),
        # Kon Tum no longer exists in 2026
        (
            [["UBND TỈNH KON TUM"], ["Kỳ báo cáo: Quý I năm 2026"], ["ĐVT: triệu đồng"]],
            "sending province",
        ),
    ],
    ids=["no-period", "no-unit", "foreign-unit", "unknown-province", "province-of-old-era"],
)
def test_reports_without_period_unit_or_province_are_refused(tmp_path, top, message):
    path = write_rows(tmp_path / "t.xlsx", [*top, [], *HEADER, ["1", "Dự án 1", 1, 1, "", 0]])
    with pytest.raises(ReportReadError) as err:
        read_form01(path)
    assert message in str(err.value) and "t.xlsx" in str(err.value)
