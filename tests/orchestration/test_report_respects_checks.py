"""`mtqg report` respects the marts' blocking check: a mart the check refuses is never reported."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.home import Home
from orchestration.cli import app
from warehouse.connection import connect
from warehouse.tables import ensure_tables

pytestmark = (
    pytest.mark.slow
)  # the definitions, Dagster and the GX suite (~25 s alone, more on a busy machine)


def test_report_runs_the_blocking_check_first_and_writes_nothing_when_it_fails(tmp_path):
    home = Home.resolve(tmp_path / "h").ensure()
    with connect(home.warehouse) as con:
        ensure_tables(con)
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_province as "
            "select '51' as province_code, 'Quảng Ngãi' as province_name, true as is_current"
        )
        # A fact in province 99, which is none of the current provinces: the suite blocks it.
        con.execute(
            "create table marts.fct_capital_progress as select '99' as province_code, "
            "'99' as province_code_as_reported, '2025' as admin_era, '2026-Q1' as period, "
            "date '2026-03-31' as period_end_date, 'DA1' as project_code, "
            "null::varchar as subproject_code, 'central' as budget_source, "
            "'investment' as capital_type, 10::bigint as planned_vnd, 1::bigint as disbursed_vnd, "
            "'sha' as source_file_sha256, 'Bieu01' as source_sheet, 10 as source_row"
        )

    result = CliRunner().invoke(app, ["report", "--home", str(home.root)])

    assert result.exit_code == 1, result.output
    assert "fct_capital_progress_expectations" in result.output
    assert not list(home.reports.glob("**/*.xlsx"))
