"""The portals' flat CSV export, in every encoding and dialect it arrives in."""

from __future__ import annotations

import unicodedata

import pyarrow.compute as pc
import pytest

from connectors.provincial.flat_csv import read_flat_csv
from connectors.provincial.schema import LINE_SCHEMA
from core.errors import ReportReadError

EXAMPLE = "sources/examples/portal_progress_2024_q3.csv"
HEADER = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat"
)
ROWS = [
    "10,Tỉnh Lào Cai,2024-Q3,DA3,TDA2,NSTW,SN,29042.506,17858.74,05/10/2024",
    "10,Tỉnh Lào Cai,2024-Q3,DA1,,NSDP,DTPT,1154.71,793.981,05/10/2024",
    "15,Tỉnh Yên Bái,2024-H1,DA5,TDA4,NSTW,SN,100,0.5,05/07/2024",
]


TONES = "\u0300\u0301\u0303\u0309\u0323"


def tones_apart(text: str) -> str:
    """Text as Windows-1258 stores it: letters such as ê or ơ whole, the tone as a mark after."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        marks = unicodedata.normalize("NFD", char)
        tones = "".join(m for m in marks if m in TONES)
        out.append(
            unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONES)) + tones
        )
    return "".join(out)


def column_sum(report, column: str) -> int:
    return pc.sum(report.lines[column]).as_py() or 0


def by_code(reports):
    return {r.province.code_as_reported: r for r in reports}


def test_example_gives_one_report_per_province_and_period(shared):
    text = (shared / EXAMPLE).read_text(encoding="utf-8-sig").splitlines()[1:]
    reports = by_code(read_flat_csv(shared / EXAMPLE))
    assert set(reports) == {"10", "11", "62"}
    for code, name, code_2025 in (
        ("10", "Lào Cai", "15"),
        ("11", "Điện Biên", "11"),
        ("62", "Kon Tum", "51"),
    ):
        report = reports[code]
        mine = [line.split(",") for line in text if line.startswith(f"{code},")]
        assert report.problems == []
        assert (
            report.province.name,
            report.province.admin_era,
            report.province.code_2025,
            report.period.label,
        ) == (name, "2008", code_2025, "2024-Q3")
        assert report.rows_read == report.lines.num_rows == len(mine)
        assert report.lines.schema == LINE_SCHEMA
        planned = round(sum(float(r[7]) for r in mine) * 1_000_000)
        disbursed = round(sum(float(r[8]) for r in mine) * 1_000_000)
        assert (
            column_sum(report, "planned_investment_vnd")
            + column_sum(report, "planned_recurrent_vnd")
            == planned
        )
        assert (
            column_sum(report, "disbursed_investment_vnd")
            + column_sum(report, "disbursed_recurrent_vnd")
            == disbursed
        )
        assert column_sum(report, "planned_total_vnd") == 0  # totals are not in the export


def test_rows_become_leaf_lines_with_codes_and_line_numbers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    reports = by_code(read_flat_csv(path))
    lao_cai = reports["10"].lines.to_pylist()
    assert lao_cai[0] | {"label": None} == {
        "source_sheet": "export",
        "source_row": 2,
        "line_kind": "subproject",
        "parent_source_row": None,
        "is_leaf": True,
        "budget_source": "central",
        "project_code": "DA3",
        "subproject_code": "DA3.2",
        "label": None,
        "planned_total_vnd": None,
        "planned_investment_vnd": None,
        "planned_recurrent_vnd": 29_042_506_000,
        "disbursed_total_vnd": None,
        "disbursed_investment_vnd": None,
        "disbursed_recurrent_vnd": 17_858_740_000,
    }
    assert (
        lao_cai[1]["line_kind"],
        lao_cai[1]["budget_source"],
        lao_cai[1]["source_row"],
        lao_cai[1]["planned_investment_vnd"],
    ) == ("project", "local", 3, 1_154_710_000)
    assert reports["15"].period.label == "2024-H1" and reports["15"].province.name == "Yên Bái"
    assert reports["10"].tolerance_vnd == 1_000


@pytest.mark.parametrize(
    ("encoding", "delimiter", "decimal", "normal_form"),
    [
        ("utf-8-sig", ",", ".", "NFC"),
        ("utf-8", ";", ",", "NFD"),
        ("utf-16", "\t", ".", "NFC"),  # Excel "Unicode text" is tab-separated: refused below
        ("utf-16", ";", ",", "NFC"),
        ("utf-16-le", ",", ".", "NFC"),
        ("cp1258", ";", ",", "tones apart"),
        ("cp1258", ",", ".", "tones apart"),
    ],
)
def test_encodings_delimiters_and_decimal_commas(
    tmp_path, encoding, delimiter, decimal, normal_form
):
    def convert(line: str) -> str:
        fields = line.split(",")
        fields[7:9] = [f.replace(".", decimal) for f in fields[7:9]]
        return delimiter.join(fields)

    text = "\r\n".join([convert(HEADER), *(convert(r) for r in ROWS)]) + "\r\n"
    path = tmp_path / "export.csv"
    if normal_form == "tones apart":
        text = tones_apart(text)
    else:
        text = unicodedata.normalize(normal_form, text)
    path.write_bytes(text.encode(encoding))
    if delimiter == "\t":
        with pytest.raises(ReportReadError, match="lacks the columns"):
            read_flat_csv(path)
        return
    reports = by_code(read_flat_csv(path))
    assert reports["10"].sender_name == "Tỉnh Lào Cai"  # NFC again
    assert reports["10"].lines.to_pylist()[0]["disbursed_recurrent_vnd"] == 17_858_740_000
    assert reports["15"].lines.to_pylist()[0]["disbursed_recurrent_vnd"] == 500_000
    assert all(r.problems == [] for r in reports.values())


def test_a_code_that_disagrees_with_the_name_blocks_that_report_only(tmp_path):
    path = tmp_path / "export.csv"
    rows = [*ROWS, "52,Tỉnh Gia Lai,2024-Q3,DA1,,NSTW,SN,1,1,05/10/2024"]
    path.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    reports = by_code(read_flat_csv(path))
    bad = reports["52"]
    assert not bad.is_acceptable and bad.problems[0].check == "province"
    assert "Bình Định" in bad.problems[0].reason and "Gia Lai" in bad.problems[0].reason
    assert reports["10"].is_acceptable and reports["15"].is_acceptable


def test_duplicate_keys_are_blocking_problems(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *ROWS, ROWS[0].replace("29042.506", "1")]), encoding="utf-8")
    report = by_code(read_flat_csv(path))["10"]
    [problem] = report.problems
    assert (problem.check, problem.row, problem.blocking) == ("duplicate", 5, True)
    assert "2" in problem.reason
    assert report.lines.num_rows == 3  # nothing read is lost


def test_bad_values_are_located_problems(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "\n".join([HEADER, "10,Tỉnh Lào Cai,2024-Q3,DA3,TDA2,NSXX,SN,abc,1,05/10/2024"]),
        encoding="utf-8",
    )
    report = read_flat_csv(path)[0]
    assert {p.row for p in report.problems} == {2}
    reasons = " ".join(p.reason for p in report.problems)
    assert "NSXX" in reasons and "abc" in reasons


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        ("ma_tinh,ten_tinh\n10,Lào Cai\n".encode(), "ky_bao_cao"),
        (f"{HEADER}\n".encode(), "no data rows"),
        (
            f"{HEADER}\n10,Tỉnh Lào Cai,quý ba,DA1,,NSTW,SN,1,1,05/10/2024\n".encode(),
            "invalid reporting period",
        ),
    ],
)
def test_unusable_files_are_refused(tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(ReportReadError, match=message):
        read_flat_csv(path)
