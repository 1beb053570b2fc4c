"""The outputs the Office hands on, over one small warehouse built once for the module (dbt, the
output models and what they read; no pipeline run): allocation norms, the beneficiary review,
the donor view, and the Steering Committee report (workbook and HTML page) written from it.

Cost: one dbt build of the output models and their parents (seeds and models, no data tests:
those run in test_warehouse_builds), then three report writes and one headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from reporting import norms
from reporting.report_sheets import BY_PROVINCE, CAVEATS, FOLLOW_UP, LINEAGE, SUMMARY
from reporting.steering_report import write_progress_report
from tests.dbt.outputs_warehouse import HYPERLINK, build_outputs, rerun_models

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"  # kept (git ignores it)
FIRST_DATA_ROW = 7


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_outputs(tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="module")
def report(warehouse, tmp_path_factory):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return write_progress_report(con, tmp_path_factory.mktemp("reports"))


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def _table(path: Path, name: str) -> list[dict]:
    """A generic sheet's rows by their Vietnamese headers."""
    rows = _sheet(path, name)
    headers = rows[FIRST_DATA_ROW - 2]
    return [dict(zip(headers, row, strict=True)) for row in rows[FIRST_DATA_ROW:]]


# --- allocation norms --------------------------------------------------------------------------


def _shares(warehouse: Path) -> dict[str, dict[str, float]]:
    shares: dict[str, dict[str, float]] = defaultdict(dict)
    for code, province, share in _query(
        warehouse,
        "select decision_code, province_code, normative_share from marts.mart_allocation_norms",
    ):
        shares[code][province] = float(share)
    return shares


def test_normative_shares_of_the_34_provinces_sum_to_one(warehouse):
    shares = _shares(warehouse)
    assert set(shares) == {"nstw-2026-2030-reported", "phase1-2021-2025-illustrative"}
    for provinces in shares.values():
        assert len(provinces) == 34
        assert sum(provinces.values()) == pytest.approx(1, abs=1e-12)
    # 2026–2030: Quảng Ngãi's two communes take region III (50 each) from the old Kon Tum commune
    # they absorbed, plus five villages (1 each); Gia Lai's two communes are "other" (25 each).
    assert shares["nstw-2026-2030-reported"]["51"] == pytest.approx(105 / 155)
    assert shares["nstw-2026-2030-reported"]["52"] == pytest.approx(50 / 155)
    rows = _query(
        warehouse,
        "select province_code, actual_central_plan_vnd, normative_of_actual_vnd, difference_vnd, "
        "normative_rank, actual_rank, missing_inputs, is_confirmed, is_illustrative "
        "from marts.mart_allocation_norms where decision_code = 'nstw-2026-2030-reported' "
        "and province_code in ('51', '52') order by province_code",
    )
    total = 8_500_000_000 + 2_500_000_000  # the 2026 central annual plans
    normative_51 = round(total * 105 / 155)
    assert rows == [
        ("51", 8_500_000_000, normative_51, 8_500_000_000 - normative_51, 1, 1,
         "commune_special_zone", False, False),
        ("52", 2_500_000_000, total - normative_51, 2_500_000_000 - (total - normative_51), 2, 2,
         "commune_special_zone", False, False),
    ]  # fmt: skip
    # what the warehouse cannot measure is said, never guessed
    assert _query(
        warehouse,
        "select distinct criterion, measure_value, points from marts.mart_allocation_norm_points "
        "where not is_input_in_warehouse order by criterion",
    ) == [
        ("commune_special_zone", None, 0),
        ("ethnic_minority_population", None, 0),
        ("poor_household", None, 0),
    ]


def test_normative_shares_change_when_a_coefficient_file_changes(warehouse, tmp_path):
    decisions = tmp_path / "norms"
    shutil.copytree(norms.NORMS_DIR, decisions)
    reported = decisions / "2026_2030_reported.yaml"
    text = reported.read_text(encoding="utf-8")
    assert "  - criterion: commune_other\n    coefficient: 25\n" in text
    reported.write_text(
        text.replace("commune_other\n    coefficient: 25", "commune_other\n    coefficient: 50"),
        encoding="utf-8",
    )
    seed = norms.write_seed(decisions, tmp_path / "allocation_norm_criteria.csv")
    changed = tmp_path / "copy" / "warehouse.duckdb"  # same catalogue name as the original
    changed.parent.mkdir()
    shutil.copyfile(warehouse, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute("delete from reference.allocation_norm_criteria")
        con.execute(
            "insert into reference.allocation_norm_criteria by name "
            "select * from read_csv(?, header = true)",
            [str(seed)],
        )

    rerun_models(warehouse.parent, changed, "mart_allocation_norm_points", "mart_allocation_norms")

    before, after = _shares(warehouse), _shares(changed)
    assert after["nstw-2026-2030-reported"]["52"] == pytest.approx(100 / 205)
    assert after["nstw-2026-2030-reported"]["51"] == pytest.approx(105 / 205)
    assert sum(after["nstw-2026-2030-reported"].values()) == pytest.approx(1, abs=1e-12)
    assert before["nstw-2026-2030-reported"] != after["nstw-2026-2030-reported"]
    assert before["phase1-2021-2025-illustrative"] == after["phase1-2021-2025-illustrative"]


# --- beneficiary review ------------------------------------------------------------------------


def test_the_review_flags_a_household_outside_the_areas_and_one_supported_twice(warehouse):
    flagged = _query(
        warehouse,
        "select household_pseudonym, support_year, source_row, is_outside_programme_area, "
        "is_supported_twice, files_with_same_content from marts.mart_beneficiary_review "
        "where needs_follow_up order by all",
    )
    assert flagged == [
        ("hh-aaaa", 2024, 7, False, True, 2),  # two files, 2024 and 2025, the same content
        ("hh-aaaa", 2025, 7, False, True, 2),
        ("hh-bbbb", 2024, 8, True, False, 1),  # Đăk Pxi is in no Decision 861 region
    ]
    # "Đăk Kôi" without "Xã" is the same commune; a village outside the 612 list is counted
    assert _query(
        warehouse,
        "select household_pseudonym, commune_code, region_861, is_village_612 "
        "from marts.mart_beneficiary_review where household_pseudonym = 'hh-cccc'",
    ) == [("hh-cccc", "23500", "III", False)]
    # across the reform: a 2025 commune takes the region and the villages of the old communes
    # it absorbed
    assert _query(
        warehouse,
        "select commune_code, region_861, region_basis, is_village_612, needs_follow_up "
        "from marts.mart_beneficiary_review where household_pseudonym = 'hh-dddd'",
    ) == [("23601", "III", "highest_of_absorbed_communes", True, False)]
    assert _query(
        warehouse,
        "select support_year, households, outside_area_lines, outside_area_amount_vnd, "
        "supported_twice_lines, not_in_612_village_lines, follow_up_lines "
        "from marts.rpt_beneficiary_review_by_province order by support_year",
    ) == [(2024, 2, 1, 20_000_000, 1, 1, 2), (2025, 2, 0, 0, 1, 1, 1), (2026, 1, 0, 0, 0, 0, 0)]


def test_the_follow_up_list_names_no_person(warehouse, report):
    columns = [
        c
        for (c,) in _query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_name = 'rpt_beneficiary_follow_up'",
        )
    ]
    assert not {"ethnicity", "household_name", "citizen_id", "village_name"} & set(columns)
    rows = _table(report.path, FOLLOW_UP.name)
    assert [r["Mã giả danh hộ"] for r in rows] == ["hh-aaaa", "hh-aaaa", "hh-bbbb"]
    assert {r["Dòng"] for r in rows} == {7, 8}
    cells = " ".join(str(v) for row in _sheet(report.path, FOLLOW_UP.name) for v in row)
    assert "Xơ Đăng" not in cells  # the households' ethnicity never leaves the mart


# --- donors ------------------------------------------------------------------------------------


def test_donor_commitments_and_disbursements_in_dong_at_value_date_rates(warehouse):
    assert _query(
        warehouse,
        "select donor_ref, project_code, committed_vnd, disbursed_vnd, disbursement_rate_pct "
        "from marts.rpt_donor_mobilisation order by all",
    ) == [
        # 2,000 USD committed at 24,000 đồng (the rate of 2024-07-01), 80% for DA1
        ("XI-DEMO-MRDF", "DA3", 0, 14_407_200, None),
        ("XI-DEMO-MRDF", "DA9", 0, 9_604_800, None),
        ("XI-DEMO-NUT", "DA1", 38_400_000, 0, 0),
    ]


# --- the report --------------------------------------------------------------------------------


def _leaf_sums(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per period, the leaf rows of the latest accepted submission of each reporting unit, read
    from raw and the gate's verdicts (not from any model)."""
    rows = _query(
        warehouse,
        "select l.admin_era, l.province_code_as_reported, l.period, l.batch_id, b.loaded_at, "
        "l.planned_total_vnd, l.disbursed_total_vnd from raw.provincial_report_lines l "
        "join raw.batches b using (batch_id) join quality.batch_status s using (batch_id) "
        "where s.status = 'accepted' and l.is_leaf",
    )
    latest: dict[tuple, tuple] = {}
    for era, unit, period, batch, loaded, *_ in rows:
        key = (era, unit, period)
        latest[key] = max(latest.get(key, (loaded, batch)), (loaded, batch))
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for era, unit, period, batch, loaded, planned, disbursed in rows:
        if latest[(era, unit, period)] == (loaded, batch):
            sums[period][0] += planned
            sums[period][1] += disbursed
    return {period: (a, b) for period, (a, b) in sums.items()}


def test_the_national_summary_equals_the_sum_of_the_accepted_leaf_rows(warehouse, report):
    expected = _leaf_sums(warehouse)
    assert set(expected) == {"2024-Q3", "2026-Q1"}  # the quarantined 2026-Q2 is no period
    rows = _table(report.path, SUMMARY.name)
    found = {
        r["Kỳ báo cáo"]: (
            int(r["Phân bổ (tỉnh báo cáo) (đồng)"]),
            int(r["Giải ngân lũy kế (đồng)"]),
        )
        for r in rows
    }
    assert found == expected
    assert expected["2024-Q3"] == (4_000_000_000, 1_200_000_000)  # the corrected file wins
    by_period = {r["Kỳ báo cáo"]: r for r in rows}
    assert by_period["2026-Q1"]["Phân bổ (tỉnh báo cáo) (triệu đồng)"] == 10_000.0
    assert by_period["2026-Q1"]["Tỷ lệ giải ngân (%)"] == 13.0
    html = report.html.read_text("utf-8")
    assert "10.000.000.000" in html and "10.000,0" in html  # Vietnamese number format
    assert report.period == "2026-Q1"


def _has(warehouse: Path, schema: str, table: str) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    return bool(found)


def test_every_figure_of_the_summary_is_found_in_the_sources_sheet(warehouse, report):
    if not _has(warehouse, "marts", "lineage_report_cells"):
        pytest.skip("marts.lineage_report_cells (the trust issue's lineage) is not built here")
    sources = _table(report.path, LINEAGE.name)
    sums = defaultdict(int)
    for row in sources:
        if row["Báo cáo"] == "rpt_progress_by_province":  # the provinces' table, summed
            sums[row["Chỉ tiêu"]] += int(row["Số tiền (đồng)"])
    # every sheet of the period has its rows there, not only the provinces' table
    assert {"rpt_national_summary", "rpt_progress_by_province"} <= {r["Báo cáo"] for r in sources}
    summary = {r["Kỳ báo cáo"]: r for r in _table(report.path, SUMMARY.name)}[report.period]
    assert sums["planned_vnd"] == int(summary["Phân bổ (tỉnh báo cáo) (đồng)"])
    assert sums["disbursed_vnd"] == int(summary["Giải ngân lũy kế (đồng)"])
    read = [r for r in sources if r["Loại nguồn"] not in ("computed", "seed")]
    assert read and all(row["Lô dữ liệu"] and (row["Dòng"] or row["Mã bản ghi"]) for row in read)
    # a figure computed from seeds and counts says how, in place of a source row
    assert all(row["Cách tính"] for row in sources if row["Loại nguồn"] == "computed")


def test_the_caveats_are_what_holds_now(warehouse, report):
    if not _has(warehouse, "quality", "quality_report_caveats"):
        pytest.skip("quality.quality_report_caveats (the trust issue's caveats) is not built here")
    rows = _table(report.path, CAVEATS.name)
    assert [(r["Tệp"], r["Kỳ báo cáo"], r["Kỳ được dùng thay"]) for r in rows] == [
        ("bieu01_quang_ngai_q2.xlsx", "2026-Q2", "2026-Q1")
    ]


def test_the_report_for_an_earlier_period(warehouse, tmp_path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        written = write_progress_report(con, tmp_path, period="2024-Q3")
    assert written.period == "2024-Q3"
    provinces = _table(written.path, BY_PROVINCE.name)
    assert len(provinces) == 34
    reported = [r for r in provinces if r["Đã báo cáo"].startswith("Có")]
    assert [
        (r["Mã tỉnh"], r["Gồm các tỉnh cũ"], r["Giải ngân lũy kế (đồng)"]) for r in reported
    ] == [("51", "Kon Tum, Quảng Ngãi", 1_200_000_000.0)]
    assert [r["Kỳ báo cáo"] for r in _table(written.path, SUMMARY.name)] == ["2024-Q3"]


def test_the_workbook_holds_native_charts_and_prints_on_a4_landscape(report):
    with zipfile.ZipFile(report.path) as xlsx:
        names = xlsx.namelist()
        charts = sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        kinds = {
            kind
            for n in charts
            for kind in re.findall(r"<c:(bar|line)Chart>", xlsx.read(n).decode())
        }
        workbook = xlsx.read("xl/workbook.xml").decode()
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
    assert len(charts) == 3 and kinds == {"bar", "line"}  # columns are bar charts in OOXML
    assert workbook.count("_xlnm.Print_Area") >= 12 and "_xlnm.Print_Titles" in workbook
    assert 'paperSize="9"' in sheet and 'orientation="landscape"' in sheet
    assert 'state="frozen"' in sheet and "[$-42A]#,##0.0" in xlsx_styles(report.path)


def xlsx_styles(path: Path) -> str:
    with zipfile.ZipFile(path) as xlsx:
        return xlsx.read("xl/styles.xml").decode().replace("&quot;", '"')


def test_a_planted_hyperlink_sender_name_comes_out_as_text(report):
    donors = _table(report.path, "Nhà tài trợ")
    assert HYPERLINK in [r["Nhà tài trợ"] for r in donors]
    assert HYPERLINK + ".xlsx" in [r["Tệp"] for r in _table(report.path, FOLLOW_UP.name)]
    with zipfile.ZipFile(report.path) as xlsx:
        for name in xlsx.namelist():
            text = xlsx.read(name).decode("utf-8", "replace")
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in text and "<f " not in text and "<hyperlink" not in text
            if name.endswith(".rels"):
                assert "hyperlink" not in text.lower(), name
    html = report.html.read_text("utf-8")
    assert "<a " not in html and "&#34;http://evil.example/x&#34;" in html


def test_the_html_holds_svg_charts_readable_in_chromium(report, tmp_path):
    html = report.html.read_text("utf-8")
    assert html.count("<svg") == 3
    assert "<script" not in html and "@import" not in html
    outside = set(re.findall(r"(?:src|href)=\"?(https?://[^\"' >]+)", html))
    assert not outside, outside  # no script, font or image from the internet
    assert "@media print" in html and "size: A4 landscape" in html
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium): no screenshot taken")
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "steering_report.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,2000",
            f"--screenshot={shot}",
            report.html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 20_000, "the screenshot is blank"
    print(f"screenshot of the report page: {shot}")
