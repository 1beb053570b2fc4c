"""Figures the Office can defend (issue 11): one small warehouse, built once by dbt, holding each
way a published figure used to go wrong — a newer record version in a quarantined pull, a donor
revising or deleting a transaction, the first 2025-code report after the reform, a corrected
seed, a quarantined ministry pull later pulled again, an arrival late in Vietnam but not in UTC,
caveats already corrected, a phase I line split between two 2026–2035 codes — and the lineage
that expands every report cell into the source rows it sums."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt.raw_builder import at, batch, dbt, make_warehouse, report_line, transaction, verdict
from tests.dbt.test_warehouse_builds import _dbt, _insert, _report_line, _transaction

__all__ = ["_dbt", "_insert", "_report_line", "_transaction"]  # imported from here too

pytestmark = pytest.mark.slow  # one dbt build of the whole project, shared by the module (~35 s)


def _when(day: int, hour: int = 8, minute: int = 0) -> datetime:
    return at(day, hour, minute)


def _batch(batch_id, dataset, at, kind, source=None, name=None, rows=1) -> dict:
    return batch(
        batch_id,
        dataset,
        at,
        kind,
        source=source,
        name=name or batch_id,
        sha=f"sha-{batch_id}",
        rows=rows,
    )


def _status(batch: dict, status: str) -> dict:
    return verdict(
        batch["batch_id"],
        status,
        batch["loaded_at"],
        dataset=batch["dataset"],
        source=batch["source"],
        reasons=None if status == "accepted" else "sheet Bieu01: một lý do",
        name=batch["original_name"],
        sha=batch["source_file_sha256"],
    )


def _plan(record_id, amount, day, batch_id) -> dict:
    return {
        "id": record_id,
        "year": 2024,
        "plan_kind": "annual",
        "province_code": "04",
        "admin_era": "2008",
        "project_code": "DA1",
        "budget_source": "NSTW",
        "capital_type": "DTPT",
        "amount_million_vnd": amount,
        "decision_no": "1/QĐ-BTC",
        "decision_date": date(2024, 1, 15),
        "updated_at": _when(day),
        "batch_id": batch_id,
        "source_file_sha256": f"page-{batch_id}",
        "page": 1,
    }


def _activity(identifier: str, batch_id: str) -> dict:
    return {
        "iati_identifier": identifier,
        "reporting_org_ref": "XI-T",
        "reporting_org_name": "Test donor",
        "default_currency": "VND",
        "batch_id": batch_id,
        "source_file_sha256": f"sha-{batch_id}",
    }


def _tx(identifier, index, type_code, value, batch_id) -> dict:
    row = transaction(identifier, index, type_code, date(2024, 7, 9), value, "VND", batch_id)
    return {**row, "source_file_sha256": f"sha-{batch_id}"}


def _line(batch_id, era, code, period, end, project, row, plan, paid) -> dict:
    code_2025 = {("2008", "62"): "51", ("2008", "51"): "51"}.get((era, code), code)
    line = report_line(batch_id, era, code, code_2025, period, end, project, None, row, plan, paid)
    return {**line, "source_file_sha256": f"sha-{batch_id}"}


Q2_2025, Q3_2025, Q4_2025 = date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)
Q1_2026, Q2_2026 = date(2026, 3, 31), date(2026, 6, 30)


def delivery() -> dict[str, list[dict]]:
    accepted, quarantined = [], []
    plans_ok = _batch("plans-ok", "capital-plans", _when(1), "ministry_api", "mof")
    plans_bad = _batch("plans-bad", "capital-plans", _when(2), "ministry_api", "mof")
    rates_bad = _batch("rates-bad", "exchange-rates", _when(1), "ministry_api", "mof")
    rates_ok = _batch("rates-ok", "exchange-rates", _when(2), "ministry_api", "mof")
    donor_ok = _batch("donor-ok", "iati_activities", _when(1), "iati_files", "donor", "d.xml")
    donor_bad = _batch("donor-bad", "iati_activities", _when(2), "iati_files", "donor", "d.xml")
    donor_rev = _batch("donor-rev", "iati_activities", _when(3), "iati_files", "donor", "d.xml")
    accepted += [plans_ok, rates_ok, donor_ok, donor_rev]
    quarantined += [plans_bad, rates_bad, donor_bad]

    lines: list[dict] = []

    def report(batch_id, at, status, *rows) -> None:
        lines.extend(rows)
        batch = _batch(batch_id, "form01", at, "inbox", rows=len(rows))
        (accepted if status == "accepted" else quarantined).append(batch)

    # The reform: Kon Tum (62) and Quảng Ngãi (51) of 2008 report H1 2025, then the new
    # Quảng Ngãi (51 of 2025) reports its year to date, both old provinces' H1 included.
    report(
        "kt-2025-q2",
        _when(1),
        "accepted",
        _line("kt-2025-q2", "2008", "62", "2025-Q2", Q2_2025, "DA2", 10, 1_000, 100),
    )
    report(
        "qn-2025-q2",
        _when(1),
        "accepted",
        _line("qn-2025-q2", "2008", "51", "2025-Q2", Q2_2025, "DA2", 10, 1_000, 200),
    )
    report(
        "qn-2025-q3",
        _when(2),
        "accepted",
        _line("qn-2025-q3", "2025", "51", "2025-Q3", Q3_2025, "DA2", 10, 2_000, 450),
    )
    report(
        "qn-2025-q4",
        _when(3),
        "accepted",
        _line("qn-2025-q4", "2025", "51", "2025-Q4", Q4_2025, "DA2", 10, 2_000, 600),
    )
    # A code the seeds do not know yet (quarantined): a corrected seed must change the verdict.
    report(
        "unknown-code",
        _when(1),
        "quarantined",
        _line("unknown-code", "2025", "12", "2026-Q1", Q1_2026, "DA99", 10, 5, 1),
    )
    # Timeliness: due 15/4/2026 in Vietnam. 18:00 UTC on the 15th is 01:00 on the 16th (late);
    # 16:30 UTC on the 15th is 23:30 on the 15th (on time).
    report(
        "caobang-late",
        _when(15, 18),
        "accepted",
        _line("caobang-late", "2025", "04", "2026-Q1", Q1_2026, "DA1", 10, 10, 1),
    )
    report(
        "laichau-ontime",
        _when(15, 16, 30),
        "accepted",
        _line("laichau-ontime", "2025", "12", "2026-Q1", Q1_2026, "DA1", 10, 10, 1),
    )
    # Caveats: Điện Biên's 2026-Q2 is quarantined (2026-Q1 is its last accepted period);
    # Sơn La's quarantined 2026-Q1 was corrected by a later accepted file.
    report(
        "dienbien-q1",
        _when(1),
        "accepted",
        _line("dienbien-q1", "2025", "11", "2026-Q1", Q1_2026, "DA1", 10, 10, 1),
    )
    report(
        "dienbien-q2",
        _when(5),
        "quarantined",
        _line("dienbien-q2", "2025", "11", "2026-Q2", Q2_2026, "DA1", 10, 10, 2),
    )
    report(
        "sonla-q1-bad",
        _when(1),
        "quarantined",
        _line("sonla-q1-bad", "2025", "14", "2026-Q1", Q1_2026, "DA1", 10, 10, 1),
    )
    report(
        "sonla-q1-fixed",
        _when(2),
        "accepted",
        _line("sonla-q1-fixed", "2025", "14", "2026-Q1", Q1_2026, "DA1", 10, 10, 1),
    )
    # The crosswalk splits DA5.3 half and half: 1,001 đồng cannot be halved exactly.
    split = _line("cantho-2024", "2008", "92", "2024-Q4", date(2024, 12, 31), "DA5", 10, 0, 0)
    report(
        "cantho-2024",
        _when(1),
        "accepted",
        {
            **split,
            "subproject_code": "DA5.3",
            "line_kind": "subproject",
            "planned_total_vnd": 1_001,
            "planned_investment_vnd": 1_001,
            "disbursed_total_vnd": 3,
            "disbursed_investment_vnd": 3,
        },
    )

    # From 2026 a province may report in the 2026–2035 codes; before 2026 those codes are unknown.
    report(
        "tuyenquang-2026-hp",
        _when(3),
        "accepted",
        _line("tuyenquang-2026-hp", "2025", "08", "2026-Q1", Q1_2026, "HP2", 10, 70, 7),
    )
    report(
        "hp-in-2024",
        _when(3),
        "quarantined",
        _line("hp-in-2024", "2008", "92", "2024-Q3", date(2024, 9, 30), "HP2", 10, 70, 7),
    )
    paid = _batch("mof-paid", "disbursements", _when(1), "ministry_api", "mof")
    support = _batch("hagiang-form02", "form02", _when(1), "inbox")
    accepted += [paid, support]

    batches = accepted + quarantined
    return {
        "raw.batches": batches,
        "quality.batch_status": [_status(b, "accepted") for b in accepted]
        + [_status(b, "quarantined") for b in quarantined],
        "raw.provincial_report_lines": lines,
        "raw.ministry_capital_plans": [
            _plan("KHV-2024-04-DA1", "1000", 1, "plans-ok"),
            _plan("KHV-2024-04-DA1", "2000", 2, "plans-bad"),  # newer, quarantined
        ],
        "raw.ministry_exchange_rates": [
            {
                "id": "TG-USD-2024-07-01",
                "currency": "USD",
                "rate_date": date(2024, 7, 1),
                "vnd_per_unit": rate,
                "updated_at": _when(day),
                "batch_id": b,
                "source_file_sha256": f"page-{b}",
            }
            for b, rate, day in (("rates-bad", "99999", 3), ("rates-ok", "24000", 2))
        ],
        "raw.ministry_disbursements": [
            {
                "id": "GN-202405-92-DA5",
                "province_code": "92",
                "admin_era": "2008",
                "project_code": "DA5",
                "subproject_code": "DA5.3",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "month": "2024-05",
                "amount_vnd": 2_001,
                "value_date": date(2024, 5, 24),
                "updated_at": _when(1),
                "batch_id": "mof-paid",
                "source_file_sha256": "page-mof-paid",
                "page": 1,
            }
        ],
        "raw.beneficiary_support_lines": [
            {
                "batch_id": "hagiang-form02",
                "source_file_sha256": "sha-hagiang-form02",
                "report_index": 0,
                "form": "form02",
                "admin_era": "2008",
                "province_code_as_reported": "02",
                "province_code_2025": "08",
                "period": "2024",
                "source_sheet": "Bieu02",
                "source_row": 7,
                "household_pseudonym": "hh-1",
                "support_content": "nhà ở",
                "amount_vnd": 40_000_000,
                "support_year": 2024,
                "is_repeat_household": False,
            }
        ],
        "raw.iati_activities": [
            _activity("XI-T-A", "donor-ok"),
            _activity("XI-T-B", "donor-ok"),
            _activity("XI-T-A", "donor-bad"),
            _activity("XI-T-B", "donor-rev"),
        ],
        "raw.iati_transactions": [
            _tx("XI-T-A", 0, "3", "100", "donor-ok"),
            _tx("XI-T-B", 0, "3", "100", "donor-ok"),
            _tx("XI-T-B", 1, "2", "500", "donor-ok"),  # deleted by the donor in donor-rev
            _tx("XI-T-A", 0, "3", "100", "donor-bad"),  # a copy in a quarantined file
            _tx("XI-T-B", 0, "3", "150", "donor-rev"),  # the revised value
        ],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("figures")
    path = make_warehouse(tmp, delivery())
    dbt(tmp, "build")
    return path


def _rows(path: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_newer_version_in_a_quarantined_pull_leaves_the_accepted_one(warehouse):
    assert _rows(
        warehouse,
        "select capital_plan_id, amount_vnd, batch_id from marts.fct_capital_plan "
        "where capital_plan_id = 'KHV-2024-04-DA1'",
    ) == [("KHV-2024-04-DA1", 1_000_000_000, "plans-ok")]
    assert _rows(
        warehouse,
        "select iati_identifier, amount_vnd, batch_id from marts.fct_donor_transactions "
        "where iati_identifier = 'XI-T-A'",
    ) == [("XI-T-A", 100, "donor-ok")]


def test_a_donor_revision_replaces_and_a_deletion_removes(warehouse):
    assert _rows(
        warehouse,
        "select transaction_type_code, amount_vnd, batch_id from marts.fct_donor_transactions "
        "where iati_identifier = 'XI-T-B'",
    ) == [("3", 150, "donor-rev")]


def test_the_first_report_after_the_reform_counts_its_own_quarter_only(warehouse):
    increments = _rows(
        warehouse,
        "select period, province_code_as_reported, disbursed_vnd, disbursed_in_period_vnd "
        "from marts.fct_capital_progress where project_code = 'DA2' "
        "and capital_type = 'investment' order by period, province_code_as_reported",
    )
    assert increments == [
        ("2025-Q2", "51", 200, 200),
        ("2025-Q2", "62", 100, 100),
        ("2025-Q3", "51", 450, 150),  # 450 to date less both old provinces' H1 (300)
        ("2025-Q4", "51", 600, 150),
    ]
    assert _rows(
        warehouse,
        "select allocation_vnd, disbursed_reported_vnd from marts.mart_programme_progress "
        "where province_code = '51' and project_code = 'DA2' and progress_year = 2025",
    ) == [(2_000, 600)]  # the year's last report, H1 not counted a second time


def test_a_corrected_seed_changes_the_verdict_of_rows_already_loaded(warehouse, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, copy)
    sql = (
        "select is_known_programme_code from intermediate.int_provincial_progress_unpivoted "
        "where batch_id = 'unknown-code'"
    )
    assert set(_rows(copy, sql)) == {(False,)}
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into reference.programme_phase1 (project_code, project_number, name_vi) "
            "values ('DA99', 99, 'Dự án thử')"
        )
        assert set(con.execute(sql).fetchall()) == {(True,)}


def test_a_quarantined_ministry_pull_closes_when_a_later_pull_is_accepted(warehouse):
    open_batches = {
        r[0] for r in _rows(warehouse, "select batch_id from quality.quality_open_problems")
    }
    assert "rates-bad" not in open_batches
    assert "donor-bad" not in open_batches  # donor-rev, the same file, was accepted later
    assert "plans-bad" in open_batches  # no pull accepted after it: still open
    assert "dienbien-q2" in open_batches


def test_timeliness_is_judged_on_vietnam_time(warehouse):
    assert _rows(
        warehouse,
        "select province_code_as_reported, is_on_time from quality.reporting_completeness "
        "where period = '2026-Q1' and province_code_as_reported in ('04', '12') "
        "and admin_era = '2025' order by 1",
    ) == [("04", False), ("12", True)]


def test_caveats_now_list_only_what_is_still_uncorrected(warehouse):
    caveats = _rows(
        warehouse,
        "select province_code, period, status, last_accepted_period from "
        "quality.quality_report_caveats where province_code in ('11', '14') order by all",
    )
    assert caveats == [("11", "2026-Q2", "quarantined", "2026-Q1")]
    whole_batches = _rows(
        warehouse,
        "select batch_id from quality.quality_report_caveats "
        "where province_code is null order by 1",
    )
    assert whole_batches == [("plans-bad",)]  # rates-bad and donor-bad were corrected since


def test_2026_codes_are_known_from_2026_only(warehouse):
    assert _rows(
        warehouse,
        "select distinct batch_id, is_known_programme_code from "
        "intermediate.int_provincial_progress_unpivoted "
        "where batch_id in ('tuyenquang-2026-hp', 'hp-in-2024') order by 1",
    ) == [("hp-in-2024", False), ("tuyenquang-2026-hp", True)]


def test_a_split_line_keeps_every_dong_in_the_2026_structure(warehouse):
    parts = _rows(
        warehouse,
        "select programme_code_2026, amount_vnd, crosswalk_share "
        "from marts.mart_figures_2026_structure "
        "where report = 'rpt_progress_by_province' and measure = 'planned_vnd' "
        "and province_code = '92' and period = '2024-Q4' and amount_vnd != 0 order by 1",
    )
    assert [(code, amount) for code, amount, _ in parts] == [("HP1", 501), ("HP2", 500)]
    assert sum(amount for _, amount, _ in parts) == 1_001
    # the treasury's 2,001 đồng of DA5.3 too, and every total of every measure, to the đồng
    assert _rows(
        warehouse,
        "select programme_code_2026, amount_vnd from marts.mart_figures_2026_structure "
        "where measure = 'disbursed_treasury_vnd' order by 1",
    ) == [("HP1", 1_001), ("HP2", 1_000)]
    assert (
        _rows(
            warehouse,
            # every đồng of a source row (counts, computed and seeded figures carry none)
            "select report, measure, sum(amount_vnd) from marts.lineage_report_cells "
            "where project_code is not null and amount_vnd is not null "
            "and source_kind not in ('computed', 'seed') group by all "
            "except select report, measure, sum(amount_vnd) from marts.mart_figures_2026_structure "
            "group by all",
        )
        == []
    )
    # a report in 2026–2035 codes keeps its code
    assert _rows(
        warehouse,
        "select programme_code_2026, amount_vnd, is_reported_in_2026_codes "
        "from marts.mart_figures_2026_structure where batch_id = 'tuyenquang-2026-hp' "
        "and measure = 'planned_vnd' and amount_vnd != 0",
    ) == [("HP2", 70, True)]


def test_every_mart_fact_carries_its_source(warehouse):
    for mart in (
        "fct_capital_progress",
        "fct_capital_plan",
        "fct_disbursement",
        "fct_donor_transactions",
        "fct_beneficiary_support",
    ):
        rows = _rows(
            warehouse,
            f"select count(*), count(source_file_sha256), count(batch_id) from marts.{mart}",
        )
        (total, with_file, with_batch) = rows[0]
        assert total > 0 and total == with_file == with_batch, mart
    assert _rows(
        warehouse,
        "select count(*) from marts.fct_capital_progress "
        "where source_sheet is null or source_row is null",
    ) == [(0,)]
    assert _rows(
        warehouse,
        "select count(*) from marts.fct_disbursement where source_record_id is null "
        "union all select count(*) from marts.fct_capital_plan where source_record_id is null",
    ) == [(0,), (0,)]


def test_explain_sums_to_every_cell_of_the_report(warehouse):
    from warehouse.lineage import explain_cell

    measures = ("planned_vnd", "disbursed_vnd", "planned_central_vnd", "planned_local_vnd")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cells = con.execute(
            f"select province_code, period, project_code, {', '.join(measures)} "
            "from marts.rpt_progress_by_province"
        ).fetchall()
        assert len(cells) >= 8
        for province, period, project, *values in cells:
            for measure, value in zip(measures, values, strict=True):
                cell = explain_cell(
                    con,
                    report="rpt_progress_by_province",
                    province_code=province,
                    period=period,
                    code=project,
                    measure=measure,
                )
                assert cell.total_vnd == value, (province, period, project, measure)
                assert value == 0 or cell.files
        programme = con.execute(
            "select province_code, cast(progress_year as varchar), project_code, plan_vnd, "
            "disbursed_treasury_vnd from marts.mart_programme_progress"
        ).fetchall()
        for province, year, project, plan, paid in programme:
            for measure, value in (("plan_vnd", plan), ("disbursed_treasury_vnd", paid)):
                cell = explain_cell(
                    con,
                    report="mart_programme_progress",
                    province_code=province,
                    period=year,
                    code=project,
                    measure=measure,
                )
                assert cell.total_vnd == value, (province, year, project, measure)


def test_mtqg_explain_lists_the_rows_files_and_batches_of_a_cell(warehouse, tmp_path):
    from typer.testing import CliRunner

    from orchestration.cli import app

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(warehouse, home / "warehouse.duckdb")
    args = ["explain", "51", "2025-Q3", "DA2", "disbursed_vnd", "--home", str(home), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["total_vnd"] == 450
    assert answer["batches"] == ["qn-2025-q3"]
    assert answer["files"] == ["sha-qn-2025-q3"]
    assert {(r["source_sheet"], r["source_row"]) for r in answer["rows"]} == {("Bieu01", 10)}
    in_2026 = CliRunner().invoke(
        app,
        [
            "explain",
            "92",
            "2024-Q4",
            "HP1",
            "planned_vnd",
            "--structure",
            "2026",
            "--home",
            str(home),
            "--json",
        ],
    )
    assert in_2026.exit_code == 0, in_2026.output
    assert json.loads(in_2026.output)["total_vnd"] == 501


def test_a_quarantined_rate_or_reference_file_is_never_used(warehouse):
    # rates-bad holds a newer version of the rate, but the gate quarantined it
    assert _rows(
        warehouse,
        "select currency, rate_date, vnd_per_unit from intermediate.int_exchange_rates_daily",
    ) == [("USD", date(2024, 7, 1), Decimal("24000"))]
