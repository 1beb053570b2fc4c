"""Every money and count cell of the steering report's other sheets is explained: donor
mobilisation (donor × project), the cross-source reconciliation (province × period × project ×
comparison), the allocation norms (decision × province), the beneficiary review (province ×
year: lines, households, money, by reason) and the restatements (each restated leaf's old and
new value and change). For every cell of every measure, the rows `mtqg explain` lists sum to the
cell; a figure computed rather than summed (a normative amount, a tolerance) says so, with its
inputs. The warehouse is outputs_warehouse's (households, donors, a re-submission, plans and the
Treasury) with a household supported twice in a year, once in a commune not found, and a donor's
expenditure; built by dbt once for the module."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt.outputs_warehouse import (
    _household,
    build_models,
    quarantined_delivery,
    third_delivery,
)
from tests.dbt.test_warehouse_builds import (
    _accepted,
    _transaction,
    _warehouse,
    first_delivery,
    second_delivery,
)
from warehouse.lineage import explain_cell

pytestmark = pytest.mark.slow  # one dbt build of the output models and their parents (~20 s)

RESTATED_LEAF = (
    "new_batch_id || '|' || province_code_as_reported || '|' || measure || '|' "
    "|| coalesce(budget_source, '') || '|' || coalesce(capital_type, '')"
)
# mart → how its rows name a cell: province, period, code, key (SQL over the mart's columns)
CELLS = {
    "rpt_donor_mobilisation": ("null", "null", "project_code", "donor_ref"),
    "mart_source_reconciliation": ("province_code", "period", "project_code", "comparison"),
    "mart_allocation_norms": ("province_code", "null", "null", "decision_code"),
    "rpt_beneficiary_review_by_province": (
        "province_code",
        "cast(support_year as varchar)",
        "null",
        "null",
    ),
    "fct_progress_restatements": (
        "province_code",
        "period",
        "coalesce(subproject_code, project_code)",
        RESTATED_LEAF,
    ),
}
# the count columns of each sheet (the money columns are its `_vnd` ones)
COUNTS = {
    "rpt_donor_mobilisation": ["activities", "transactions_without_rate"],
    "mart_source_reconciliation": ["reporting_units"],
    "mart_allocation_norms": ["normative_points"],
    "rpt_beneficiary_review_by_province": [
        "support_lines",
        "households",
        "outside_area_lines",
        "commune_not_found_lines",
        "not_in_612_village_lines",
        "supported_twice_lines",
        "follow_up_lines",
    ],
    "fct_progress_restatements": [],
}
# a measure that is the same for the whole decision: its cell has no province
NATIONAL = {"mart_allocation_norms": {"national_actual_vnd"}}
# figures computed (or seeded) rather than summed from source rows: explained by their inputs
COMPUTED = {
    "mart_source_reconciliation": {"tolerance_vnd"},
    "mart_allocation_norms": {
        "normative_points",  # the criteria's points: seed coefficient × the warehouse's count
        "normative_of_actual_vnd",
        "decision_envelope_vnd",
        "normative_of_envelope_vnd",
    },
}
# measures the small warehouse never makes non-zero, and why
THIN = {
    "rpt_donor_mobilisation": {"transactions_without_rate"},  # every value date has its rate
    "mart_allocation_norms": {"decision_envelope_vnd", "normative_of_envelope_vnd"},  # no envelope
}


def _third_delivery() -> dict[str, list[dict]]:
    """outputs_warehouse's third delivery, with Kon Tum's household hh-aaaa supported a second
    time in 2024 (another content, a commune not in the reference) and the water activity's
    expenditure."""
    delivery = third_delivery()
    second_line = _household(
        "kontum-hh-2024", 11, "hh-aaaa", "Xã Không Có", "Thôn 1", 2024, "Hỗ trợ nhà ở"
    )
    spent = _transaction(
        "XI-DEMO-NUT-VN-WATER-01", 1, "4", date(2024, 8, 1), "500", "USD", "donor-file-2"
    )
    return {
        **delivery,
        "raw.beneficiary_support_lines": [*delivery["raw.beneficiary_support_lines"], second_line],
        "raw.iati_transactions": [*delivery["raw.iati_transactions"], spent],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("lineage-sheets")
    path = tmp / "warehouse.duckdb"
    _warehouse(
        path,
        _accepted(first_delivery(), 1),
        _accepted(second_delivery(), 2),
        _accepted(_third_delivery(), 3),
        quarantined_delivery(),
    )
    build_models(tmp, path)
    return path


def _measures(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    columns = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? "
        "and column_name like '%\\_vnd' escape '\\' "
        "order by ordinal_position",
        [mart],
    ).fetchall()
    return [c for (c,) in columns] + COUNTS[mart]


def _wrong(con: duckdb.DuckDBPyConnection, mart: str, cell: tuple, measure: str, value) -> bool:
    province, period, code, key = cell
    if measure in NATIONAL.get(mart, set()):
        province = None
    explained = explain_cell(
        con,
        report=mart,
        province_code=province,
        period=period,
        code=code,
        measure=measure,
        key=key,
    )
    if value is None:
        return explained.rows != []
    if measure in COMPUTED.get(mart, set()):
        assert explained.is_computed and all(r["derivation"] for r in explained.rows), measure
    elif value:
        # every row names its source: its batch, and its row or record (the small warehouse's
        # donor records carry no file hash; the demo's do)
        assert explained.batches, (mart, measure)
        assert all(
            r["source_row"] is not None or r["source_record_id"] or r["derivation"]
            for r in explained.rows
        ), (mart, measure)
    if measure == "normative_points":
        return explained.total != Decimal(value)
    return explained.total != value


@pytest.mark.parametrize("mart", CELLS)
def test_every_cell_of_every_sheet_is_the_sum_of_its_rows(warehouse, mart):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        measures = _measures(con, mart)
        rows = con.execute(
            f"select {', '.join(CELLS[mart])}, {', '.join(measures)} from marts.{mart}"
        ).fetchall()
        assert rows, mart
        wrong, nonzero = [], set()
        for row in rows:
            cell, values = tuple(row[:4]), row[4:]
            for measure, value in zip(measures, values, strict=True):
                if _wrong(con, mart, cell, measure, value):
                    wrong.append((*cell, measure, value))
                if value:
                    nonzero.add(measure)
    assert wrong == [], f"{mart}: {len(wrong)} cells not the sum of their rows, e.g. {wrong[:5]}"
    assert nonzero >= set(measures) - THIN.get(mart, set()), (
        f"{mart}: measures never seen non-zero: test data too thin"
    )


def test_the_beneficiary_review_names_households_by_pseudonym_and_row_only(warehouse):
    # Kon Tum's lists of 2024: households counted once each, every line by pseudonym and row,
    # nothing of the person (the lists' ethnicity column never reaches the lineage); the
    # published lineage has no pseudonym (explain reads it from mart_beneficiary_review)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cell = explain_cell(
            con,
            report="rpt_beneficiary_review_by_province",
            province_code="51",
            period="2024",
            code=None,
            measure="households",
        )
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'lineage_report_cells'"
            ).fetchall()
        }
    assert cell.unit == "count" and len(cell.rows) == 3  # hh-aaaa's two lines, hh-bbbb's one
    assert all(
        r["household_pseudonym"] and r["source_sheet"] and r["source_row"] for r in cell.rows
    )
    assert cell.total == len({r["household_pseudonym"] for r in cell.rows})
    assert not any("Xơ Đăng" in str(v) for r in cell.rows for v in r.values())
    assert not columns & {"household_pseudonym", "ethnicity", "citizen_id", "phone"}
