"""A 2026-Q1 Form 01 written in the 2026–2035 programme's components (Hợp phần 1 with its
sub-components, Hợp phần 2) and a 2026-Q1 portal CSV in HP codes, and what must become of them
through `mtqg ingest` — reader, raw, gate, dbt — in `fct_capital_progress`,
`rpt_progress_by_province` and the 2026–2035 reading of the figures, to the đồng.

The ingest end-to-end test (`test_ingest_end_to_end.py`) sends them with its own files in one
run: a run of the whole pipeline of their own would cost a minute of the suite."""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

from warehouse.connection import connect

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "programme_2026_2035.csv"

HP1_AMOUNTS = [500.5, 300, 200.5, 150.25, 100, 50.25]  # triệu đồng, as the province writes
HP2_AMOUNTS = [300, 200, 100, 100, 80, 20]
FORM01 = [
    ["UBND TỈNH TUYÊN QUANG"],
    ["BÁO CÁO TÌNH HÌNH GIẢI NGÂN CHƯƠNG TRÌNH MTQG GIAI ĐOẠN 2026-2035"],
    ["Kỳ báo cáo: Quý I năm 2026"],
    ["", "", "", "", "", "", "Đơn vị tính: triệu đồng"],
    ["STT", "Nội dung", "Kế hoạch vốn năm 2026", "", "", "Giải ngân", "", ""],
    ["", "", "Tổng số", "ĐTPT", "SN", "Tổng số", "ĐTPT", "SN"],
    ["", "TỔNG CỘNG", 1000.5, 600, 400.5, 300.25, 200, 100.25],
    ["I", "Ngân sách trung ương", 800.5, 500, 300.5, 250.25, 180, 70.25],
    ["1", "Hợp phần 1: Xây dựng nông thôn mới và giảm nghèo bền vững", *HP1_AMOUNTS],
    ["1.1", "Nhóm nội dung thành phần 1", 300, 300, "", 100, 100, ""],
    ["1.2", "Nhóm nội dung thành phần 2", 200.5, "", 200.5, 50.25, "", 50.25],
    ["2", "Hợp phần 2: Phát triển KT-XH vùng đồng bào DTTS và miền núi", *HP2_AMOUNTS],
    ["II", "Ngân sách địa phương", 200, 100, 100, 50, 20, 30],
    ["2", "Hop phan 2", 200, 100, 100, 50, 20, 30],
    [],
    ["", "NGƯỜI LẬP BIỂU", "", "", "", "", "KT. CHỦ TỊCH"],
]
# (project, sub-project, budget source, capital type) -> (planned, disbursed), integer đồng
FORM01_FACTS = {
    ("HP1", "HP1.01", "central", "investment"): (300_000_000, 100_000_000),
    ("HP1", "HP1.01", "central", "recurrent"): (0, 0),
    ("HP1", "HP1.02", "central", "investment"): (0, 0),
    ("HP1", "HP1.02", "central", "recurrent"): (200_500_000, 50_250_000),
    ("HP2", "", "central", "investment"): (200_000_000, 80_000_000),
    ("HP2", "", "central", "recurrent"): (100_000_000, 20_000_000),
    ("HP2", "", "local", "investment"): (100_000_000, 20_000_000),
    ("HP2", "", "local", "recurrent"): (100_000_000, 30_000_000),
}
CSV = (
    "ma_tinh,ten_tinh,ky_bao_cao,ma_du_an,ma_tieu_du_an,nguon_von,loai_von,"
    "ke_hoach_trieu_dong,giai_ngan_trieu_dong,ngay_cap_nhat\n"
    "15,Lào Cai,2026-Q1,HP1,HP1.03,NSTW,DTPT,1234.567,89.001,05/04/2026\n"
    "15,Lào Cai,2026-Q1,HP2,,NSDP,SN,10,2.5,05/04/2026\n"
)


def _write_form01(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Bieu01")
    for r, row in enumerate(FORM01):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write(r, c, value)
    workbook.close()
    return path


def write_reports(folder: Path) -> list[Path]:
    """The Form 01 and the CSV, written into `folder`."""
    form01 = _write_form01(folder / "bieu01_tuyen_quang_2026_q1.xlsx")
    portal = folder / "portal_2026_q1.csv"
    portal.write_text(CSV, encoding="utf-8")
    return [form01, portal]


def assert_reached_the_marts(home: Path, output: str) -> None:
    """Both accepted, and every figure in the marts to the đồng (2026-Q1 rows only: the run
    carries other reports too)."""
    assert "bieu01_tuyen_quang_2026_q1.xlsx: accepted" in output, output[-3000:]
    assert "portal_2026_q1.csv: accepted" in output, output[-3000:]
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        facts = con.execute(
            "select province_code, period, project_code, coalesce(subproject_code, ''), "
            "budget_source, capital_type, planned_vnd, disbursed_vnd, disbursed_in_period_vnd "
            "from marts.fct_capital_progress where period = '2026-Q1' order by all"
        ).fetchall()
        table = con.execute(
            "select province_code, period, project_code, project_name_vi, planned_central_vnd, "
            "planned_local_vnd, planned_vnd, disbursed_vnd from marts.rpt_progress_by_province "
            "where period = '2026-Q1' order by province_code, project_code"
        ).fetchall()
        in_2026_codes = con.execute(
            "select province_code, component_code, programme_code_2026, "
            "bool_and(is_reported_in_2026_codes), "
            "sum(amount_vnd) from marts.mart_figures_2026_structure "
            "where measure = 'planned_vnd' and report = 'rpt_progress_by_province' "
            "and period = '2026-Q1' "
            "group by all order by all"
        ).fetchall()

    tuyen_quang = {
        (f[2], f[3], f[4], f[5]): (f[6], f[7]) for f in facts if f[:2] == ("08", "2026-Q1")
    }
    assert tuyen_quang == FORM01_FACTS
    # the first report of the year: its whole year to date is the period's disbursement
    assert all(f[8] == f[7] for f in facts)
    lao_cai = {(f[2], f[3], f[4], f[5]): (f[6], f[7]) for f in facts if f[0] == "15"}
    assert lao_cai == {
        ("HP1", "HP1.03", "central", "investment"): (1_234_567_000, 89_001_000),
        ("HP2", "", "local", "recurrent"): (10_000_000, 2_500_000),
    }
    assert table == [
        ("08", "2026-Q1", "HP1", _name("HP1"), 500_500_000, 0, 500_500_000, 150_250_000),
        ("08", "2026-Q1", "HP2", _name("HP2"), 300_000_000, 200_000_000, 500_000_000, 150_000_000),
        ("15", "2026-Q1", "HP1", _name("HP1"), 1_234_567_000, 0, 1_234_567_000, 89_001_000),
        ("15", "2026-Q1", "HP2", _name("HP2"), 0, 10_000_000, 10_000_000, 2_500_000),
    ]
    assert sum(row[6] for row in table if row[0] == "08") == 1_000_500_000  # the file's total
    # read in the 2026–2035 structure, the figures keep their own codes (no crosswalk share)
    assert in_2026_codes == [
        ("08", "HP1", "HP1.01", True, 300_000_000),
        ("08", "HP1", "HP1.02", True, 200_500_000),
        ("08", "HP2", "HP2", True, 500_000_000),
        ("15", "HP1", "HP1.03", True, 1_234_567_000),
        ("15", "HP2", "HP2", True, 10_000_000),
    ]


def _name(code: str) -> str:
    """The component's name as the seed gives it (the report shows the seed's words)."""
    with SEED.open(encoding="utf-8") as handle:
        return next(r["name_vi"] for r in csv.DictReader(handle) if r["programme_code"] == code)
