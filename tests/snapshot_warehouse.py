"""A small warehouse as the pipeline leaves it, for the snapshot and publish tests (no dbt)."""

from __future__ import annotations

from pathlib import Path

from warehouse.connection import connect

REPO = Path(__file__).resolve().parents[1]
DBT_MANIFEST = REPO / "dbt_project" / "target" / "manifest.json"
HOSTILE = '=HYPERLINK("http://evil","x")'
PUBLISHED = {
    "marts.dim_province",
    "marts.fct_capital_progress",
    "quality.reporting_rates",
}


def make_warehouse(path: Path, *, disbursed: int = 1_000_000_000) -> None:
    """Marts, quality and raw tables as the pipeline leaves them (a few rows each)."""
    with connect(path) as con:
        for statement in (
            "create schema if not exists marts",
            "create schema if not exists quality",
            "create schema if not exists raw",
            "create or replace table marts.dim_province as select * from (values "
            "('2025|15', '2025', '15', 'Lào Cai'), ('2025|51', '2025', '51', '+Quảng Ngãi'), "
            f"('2008|62', '2008', '62', '{HOSTILE.replace(chr(39), chr(39) * 2)}')) "
            "as t(province_key, admin_era, province_code, province_name)",
            "create or replace table marts.fct_capital_progress as "
            "select 'b1' as batch_id, '15' as province_code, '2024-Q3' as period, "
            "date '2024-09-30' as period_end_date, 'DA1' as project_code, "
            f"4000000000::bigint as planned_vnd, {disbursed}::bigint as disbursed_vnd, "
            "timestamptz '2024-10-01 08:00:00+00' as loaded_at "
            "from range(3)",
            "create or replace table marts.fct_beneficiary_support as "
            "select 'b2' as batch_id, 'a1b2c3d4e5f6' as household_pseudonym, "
            "40000000::bigint as amount_vnd",
            "create or replace table quality.reporting_rates as "
            "select 'form01' as form, '2024-Q3' as period, 34 as expected, 0.5::double as rate",
            "create or replace table quality.batch_status as "
            "select 'b3' as batch_id, 'ds_079123456789.xlsx' as original_name, "
            "'Lò Văn B' as reasons",
            "create or replace table raw.beneficiary_support_lines as "
            "select 'b2' as batch_id, 'Lò Văn B' as head_of_household",
        ):
            con.execute(statement)
