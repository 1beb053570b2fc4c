"""Every money measure of every report mart the steering report reads (and mart_programme_progress)
is explained: for every cell, the source rows `mtqg explain` lists sum to the cell, to the đồng.
The warehouse is the small one of test_figures_defended (the reform, a split line, both eras,
a year and the year before it) with a line of local budget, built by dbt for the report marts
only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_figures_defended import Q4_2025, _batch, _line, _status, _when, delivery
from test_warehouse_builds import _dbt, _insert

from warehouse.lineage import explain_cell
from warehouse.tables import ensure_tables

pytestmark = pytest.mark.slow  # one dbt build of the report marts and their parents (~30 s)

# mart → how its rows name a cell (province, period, code: SQL over the mart's columns)
CELLS = {
    "rpt_progress_by_province": ("province_code", "period", "project_code"),
    "rpt_progress_by_province_period": ("province_code", "period", "null"),
    "rpt_progress_by_subproject": ("null", "period", "coalesce(subproject_code, project_code)"),
    "rpt_national_summary": ("null", "period", "null"),
    "mart_programme_progress": ("province_code", "cast(progress_year as varchar)", "project_code"),
}
# money columns that are not sums of source rows: the feasibility targets come from a seed
NOT_SOURCE_SUMS = {
    "rpt_national_summary": {"target_vnd"},
    "mart_programme_progress": {
        "project_target_central_national_vnd",
        "project_target_local_national_vnd",
    },
}


def _with_local_budget(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The figures' delivery and one line of local budget (planned_local_vnd is then not 0)."""
    local = {
        **_line("caobang-local", "2025", "04", "2025-Q4", Q4_2025, "DA1", 10, 500, 50),
        "budget_source": "local",
    }
    batch = _batch("caobang-local", "form01", _when(4), "inbox")
    return {
        **rows,
        "raw.batches": [*rows["raw.batches"], batch],
        "quality.batch_status": [*rows["quality.batch_status"], _status(batch, "accepted")],
        "raw.provincial_report_lines": [*rows["raw.provincial_report_lines"], local],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("lineage")
    path = tmp / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        _insert(con, _with_local_budget(delivery()))
    selection = ["+lineage_report_cells", *(f"+{mart}" for mart in CELLS)]
    build = ("build", "--indirect-selection", "cautious", "--select", *selection)
    _dbt(tmp, *build, env={"MTQG_WAREHOUSE": str(path), "MTQG_DBT_TARGET": "duckdb"})
    return path


def _measures(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    columns = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? "
        "and column_name like '%\\_vnd' escape '\\' "
        "order by ordinal_position",
        [mart],
    ).fetchall()
    return [c for (c,) in columns if c not in NOT_SOURCE_SUMS.get(mart, set())]


@pytest.mark.parametrize("mart", CELLS)
def test_every_cell_of_every_measure_is_the_sum_of_its_source_rows(warehouse, mart):
    province, period, code = CELLS[mart]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        measures = _measures(con, mart)
        assert measures, mart
        cells = con.execute(
            f"select {province}, {period}, {code}, {', '.join(measures)} from marts.{mart}"
        ).fetchall()
        assert cells, mart
        wrong, nonzero = [], set()
        for cell_province, cell_period, cell_code, *values in cells:
            for measure, value in zip(measures, values, strict=True):
                explained = explain_cell(
                    con,
                    report=mart,
                    province_code=cell_province,
                    period=cell_period,
                    code=cell_code,
                    measure=measure,
                )
                if explained.total_vnd != (value or 0):
                    wrong.append((cell_province, cell_period, cell_code, measure, value))
                if value:
                    nonzero.add(measure)
                    assert explained.files and explained.batches, (mart, measure)
    assert wrong == [], f"{mart}: {len(wrong)} cells not the sum of their rows, e.g. {wrong[:5]}"
    assert nonzero == set(measures), f"{mart}: measures never seen non-zero: test data too thin"


def test_the_reform_year_is_explained_by_the_reports_it_counts(warehouse):
    # 2025 for the new Quảng Ngãi: its 2025-Q4 report, not the old provinces' H1 as well
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cell = explain_cell(
            con,
            report="mart_programme_progress",
            province_code="51",
            period="2025",
            code="DA2",
            measure="disbursed_reported_vnd",
        )
    assert (cell.total_vnd, cell.batches) == (600, ["qn-2025-q4"])
