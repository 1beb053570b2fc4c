"""The data can never stop the report: the whole dbt project builds, its tests included, on a
warehouse holding what used to stop it — two quarantined submissions of one province × period
(duplicate alert findings), a later file replacing one province of a multi-province file (row
conservation), and a donor file with an activity lacking <iati-identifier> (staging keys)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from connectors.kinds.iati_files import IatiFilesSource
from connectors.landing import LandedFile
from tests.dbt.raw_builder import WAREHOUSE, dbt
from tests.dbt.test_warehouse_builds import _at, _batch, _insert, _report_line, first_delivery
from warehouse.loading import load_landed_file
from warehouse.tables import ensure_tables

pytestmark = pytest.mark.slow  # one dbt build of the whole project (~30 s)

KONTUM_Q4 = ("2008", "62", "51", "2024-Q4", date(2024, 12, 31))
Q4_2025 = date(2025, 12, 31)


def _status(batch_id: str, day: int, status: str, name: str, reasons: str | None = None) -> dict:
    return {
        "batch_id": batch_id,
        "source": "inbox",
        "dataset": "form01",
        "original_name": name,
        "status": status,
        "reasons": reasons,
        "loaded_at": _at(day),
        "gated_at": _at(day),
    }


def _counted(batch: dict, lines: list[dict], name: str) -> dict:
    n = sum(1 for line in lines if line["batch_id"] == batch["batch_id"])
    return {**batch, "rows_read": n, "rows_loaded": n, "original_name": name}


def two_quarantined_submissions() -> dict[str, list[dict]]:
    """Kon Tum sends its 2024-Q4 Form 01 twice; the gate quarantines both."""
    era, code, code_2025, period, end = KONTUM_Q4
    lines = [
        _report_line(b, era, code, code_2025, period, end, "DA1", None, 10, 4_000, 9_000)
        for b in ("kontum-q4-a", "kontum-q4-b")
    ]
    names = {"kontum-q4-a": "KonTum_Q4.xlsx", "kontum-q4-b": "KonTum_Q4_sua.xlsx"}
    return {
        "raw.batches": [
            _counted(_batch(b, "form01", day), lines, names[b])
            for b, day in (("kontum-q4-a", 2), ("kontum-q4-b", 3))
        ],
        "raw.provincial_report_lines": lines,
        "quality.batch_status": [
            _status("kontum-q4-a", 2, "quarantined", names["kontum-q4-a"], "sheet Bieu01: A"),
            _status("kontum-q4-b", 3, "quarantined", names["kontum-q4-b"], "sheet Bieu01: B"),
        ],
    }


def _csv_line(batch_id, index, code, row, plan, paid) -> dict:
    line = _report_line(batch_id, "2025", code, code, "2025-Q4", Q4_2025, "DA1", None, row, 0, 0)
    return {
        **line,
        "report_index": index,
        "form": "flat_csv",
        "province_name": {"51": "Quảng Ngãi", "04": "Cao Bằng"}[code],
        "source_sheet": "csv",
        "planned_total_vnd": None,
        "planned_investment_vnd": plan,
        "planned_recurrent_vnd": None,
        "disbursed_total_vnd": None,
        "disbursed_investment_vnd": paid,
        "disbursed_recurrent_vnd": None,
    }


def partial_replacement() -> dict[str, list[dict]]:
    """A flat CSV for Quảng Ngãi and Cao Bằng, then Quảng Ngãi's own corrected file; both
    accepted: Quảng Ngãi's later figures replace its earlier ones, Cao Bằng's stay."""
    lines = [
        _csv_line("csv-two-provinces", 0, "51", 2, 7_000_000_000, 100_000_000),
        _csv_line("csv-two-provinces", 1, "04", 3, 3_000_000_000, 200_000_000),
        _csv_line("csv-quangngai-fix", 0, "51", 2, 7_500_000_000, 150_000_000),
    ]
    names = {"csv-two-provinces": "hai_tinh_2025Q4.csv", "csv-quangngai-fix": "qngai_2025Q4.csv"}
    return {
        "raw.batches": [
            _counted(_batch(b, "flat_csv", day), lines, names[b])
            for b, day in (("csv-two-provinces", 2), ("csv-quangngai-fix", 3))
        ],
        "raw.provincial_report_lines": lines,
        "quality.batch_status": [
            {**_status(b, day, "accepted", names[b]), "dataset": "flat_csv"}
            for b, day in (("csv-two-provinces", 2), ("csv-quangngai-fix", 3))
        ],
    }


NAMELESS_FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2026-04-01T00:00:00Z">
 <iati-activity default-currency="USD">
  <iati-identifier>XI-DEMO-TEST-01</iati-identifier>
  <reporting-org ref="XI-DEMO" type="40"><narrative>Demo</narrative></reporting-org>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-07-09"/>
   <value value-date="2024-07-09">10</value></transaction>
 </iati-activity>
 <iati-activity default-currency="USD">
  <reporting-org ref="XI-DEMO" type="40"><narrative>Demo</narrative></reporting-org>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-07-09"/>
   <value value-date="2024-07-09">20</value></transaction>
 </iati-activity>
</iati-activities>
"""
NAMELESS_LINE = 9  # the second <iati-activity>


def load_donor_file_without_identifier(con: duckdb.DuckDBPyConnection, tmp: Path):
    """The IATI file read and written by the pipeline's own reader and batch writer."""
    path = tmp / "nameless.xml"
    path.write_bytes(NAMELESS_FILE)
    landed = LandedFile(
        "donor_files",
        "cd" * 32,
        path,
        len(NAMELESS_FILE),
        _at(2).isoformat(),
        original_name="nameless.xml",
        url="https://donor.example/nameless.xml",
    )
    source = IatiFilesSource(
        kind="iati_files",
        name="donor_files",
        urls=["https://donor.example/nameless.xml"],
        validate_schema=False,
    )
    batch = load_landed_file(con, source, landed)
    reasons = "; ".join(p.describe() for p in batch.problems)
    _insert(
        con,
        {
            "quality.batch_status": [
                {
                    **_status(batch.batch_id, 2, "quarantined", "nameless.xml", reasons),
                    "source": "donor_files",
                    "dataset": "iati_activities",
                }
            ]
        },
    )
    return batch


def legacy_rows_with_null_identifier() -> dict[str, list[dict]]:
    """Such a file as an earlier reader loaded it: its rows with a null identifier, its
    blocking problem recorded, quarantined by the gate (no replay since)."""
    return {
        "raw.batches": [_batch("donor-legacy", "iati_activities", 1, "iati_files")],
        "raw.batch_problems": [
            {
                "batch_id": "donor-legacy",
                "check_name": "read",
                "source_row": 3,
                "reason": "has no <iati-identifier>; its rows carry a null identifier",
                "is_blocking": True,
            }
        ],
        "raw.iati_activities": [
            {"iati_identifier": None, "default_currency": "USD", "batch_id": "donor-legacy"},
            {"iati_identifier": None, "default_currency": "USD", "batch_id": "donor-legacy"},
        ],
        "raw.iati_transactions": [
            {"iati_identifier": None, "transaction_index": 0, "batch_id": "donor-legacy"},
            {"iati_identifier": None, "transaction_index": 0, "batch_id": "donor-legacy"},
        ],
        "quality.batch_status": [
            {
                **_status("donor-legacy", 1, "quarantined", "legacy.xml", "no identifier"),
                "dataset": "iati_activities",
            }
        ],
    }


def _accepted_first_delivery() -> dict[str, list[dict]]:
    delivery = first_delivery()
    lines = delivery["raw.provincial_report_lines"]
    batches = [
        _counted(b, lines, "KonTum_Q3.xlsx") if b["dataset"] == "form01" else b
        for b in delivery["raw.batches"]
    ]
    statuses = [
        {"batch_id": b["batch_id"], "status": "accepted", "loaded_at": _at(1), "gated_at": _at(1)}
        for b in batches
    ]
    return {**delivery, "raw.batches": batches, "quality.batch_status": statuses}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One warehouse holding all three cases, built once by `dbt build` (models and tests)."""
    tmp = tmp_path_factory.mktemp("never_stopped")
    path = tmp / WAREHOUSE
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        for delivery in (
            _accepted_first_delivery(),
            two_quarantined_submissions(),
            partial_replacement(),
            legacy_rows_with_null_identifier(),
        ):
            _insert(con, delivery)
        donor_batch = load_donor_file_without_identifier(con, tmp)
    # _dbt asserts the build succeeded: no model and no data test failed.
    dbt(tmp, "build")
    with duckdb.connect(str(path), read_only=True) as con:
        yield con, donor_batch


def test_two_quarantined_submissions_are_one_finding_naming_both(built):
    con, _ = built
    findings = con.execute(
        "select finding_key, severity, province_code, period, source_name, message_en, "
        "message_vi, batch_id from quality.quality_alert_findings "
        "where finding_key like 'quarantine|2008-62|2024-Q4%'"
    ).fetchall()
    [(key, severity, province, period, source, message_en, message_vi, batch_id)] = findings
    # The key is the one a single quarantined file had: stable, so suppression keeps working.
    assert (key, severity, province, period) == (
        "quarantine|2008-62|2024-Q4",
        "blocking",
        "51",
        "2024-Q4",
    )
    assert source == "KonTum_Q4.xlsx, KonTum_Q4_sua.xlsx"
    assert message_en.startswith('Reports "KonTum_Q4.xlsx", "KonTum_Q4_sua.xlsx" were quarantined')
    assert '"KonTum_Q4.xlsx": sheet Bieu01: A; "KonTum_Q4_sua.xlsx": sheet Bieu01: B' in message_en
    assert message_vi.startswith('Các báo cáo "KonTum_Q4.xlsx", "KonTum_Q4_sua.xlsx" bị cách ly')
    assert batch_id == "kontum-q4-b"  # the latest of them
    # A single quarantined file keeps its own wording.
    [(single,)] = con.execute(
        "select message_en from quality.quality_alert_findings where batch_id = 'donor-legacy'"
    ).fetchall()
    assert (
        single == 'Report "legacy.xml" was quarantined; its figures are not in the reports. '
        "To fix: no identifier"
    )
    keys = con.execute("select finding_key from quality.quality_alert_findings").fetchall()
    assert len(keys) == len(set(keys))


def test_a_partial_replacement_keeps_the_other_provinces_and_conserves_rows(built):
    con, _ = built
    conservation = con.execute(
        "select batch_id, status, reports, reports_in_marts, leaf_facts, mart_facts, is_conserved "
        "from quality.quality_row_conservation order by batch_id"
    ).fetchall()
    assert all(row[-1] for row in conservation), conservation
    by_batch = {row[0]: row[1:] for row in conservation}
    assert by_batch["csv-two-provinces"] == ("accepted", 2, 1, 2, 1, True)
    assert by_batch["csv-quangngai-fix"] == ("accepted", 1, 1, 1, 1, True)
    assert by_batch["kontum-q4-a"][1:4] == (1, 0, 2)  # quarantined: in no mart
    progress = con.execute(
        "select province_code, batch_id, planned_vnd, disbursed_vnd "
        "from marts.fct_capital_progress where period = '2025-Q4' order by province_code"
    ).fetchall()
    assert progress == [
        ("04", "csv-two-provinces", 3_000_000_000, 200_000_000),
        ("51", "csv-quangngai-fix", 7_500_000_000, 150_000_000),
    ]


def test_a_donor_file_without_identifier_is_quarantined_and_stops_nothing(built):
    con, batch = built
    [problem] = batch.problems
    assert problem.blocking and problem.row == NAMELESS_LINE
    assert (
        f"activity at line {NAMELESS_LINE} has no <iati-identifier>; the file is quarantined"
        in problem.reason
    )
    assert "nameless.xml" in problem.reason
    # Raw keeps the joinable activity only; staging leaves the refused file out, with the rows
    # an earlier reader loaded with a null identifier, so no key test stops the run.
    in_raw = con.execute(
        "select iati_identifier from raw.iati_activities where batch_id = ?", [batch.batch_id]
    ).fetchall()
    assert in_raw == [("XI-DEMO-TEST-01",)]
    staged = con.execute(
        "select count(*) from staging.stg_donors__activities where batch_id in (?, 'donor-legacy')",
        [batch.batch_id],
    ).fetchone()
    assert staged == (0,)
    assert con.execute("select count(*) from staging.stg_donors__activities").fetchone() == (1,)
    recorded = con.execute(
        "select source_row, is_blocking from raw.batch_problems where batch_id = ?",
        [batch.batch_id],
    ).fetchall()
    assert recorded == [(NAMELESS_LINE, True)]
    in_marts = con.execute(
        "select count(*) from marts.fct_donor_transactions "
        "where iati_identifier = 'XI-DEMO-TEST-01'"
    ).fetchone()
    assert in_marts == (0,)
    # The file is one blocking finding of its own, and the accepted donor file still reports.
    assert con.execute(
        "select count(*) from quality.quality_alert_findings where batch_id = ?", [batch.batch_id]
    ).fetchone() == (1,)
    assert con.execute("select count(*) from marts.fct_donor_transactions").fetchone()[0] > 0
