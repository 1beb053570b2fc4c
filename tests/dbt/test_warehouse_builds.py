"""The dbt warehouse built for real from small raw tables: incremental equals full refresh, the two
administrative eras meet under one 2025 province, and the same models build on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.dbt.raw_builder import (
    DBT,
    PROJECT,
    REPO,
    accepted,
    at,
    batch,
    dbt,
    insert,
    make_warehouse,
    report_line,
    transaction,
)
from warehouse.tables import declared_tables, ensure_tables

__all__ = ["DBT", "PROJECT", "REPO"]  # the other dbt test modules import them from here
MARTS = (
    "marts.fct_capital_progress",
    "marts.fct_capital_plan",
    "marts.fct_disbursement",
    "marts.fct_donor_transactions",
    "marts.mart_programme_progress",
    "marts.dim_commune",
    "marts.dim_period",
    "marts.dim_donor",
    "quality.quality_commune_mapping_disagreements",
)

# The row helpers under the names the dbt test modules have imported from here (one builder:
# tests/dbt/raw_builder.py).
_report_line = report_line
_transaction = transaction
_insert = insert


def _at(day: int) -> datetime:
    return at(day)


def _batch(batch_id: str, dataset: str, day: int, kind: str = "inbox") -> dict:
    return batch(batch_id, dataset, at(day), kind)


def _status(batch_id: str, day: int) -> dict:
    return {"batch_id": batch_id, "status": "accepted", "loaded_at": at(day), "gated_at": at(day)}


def _accepted(delivery: dict[str, list[dict]], day: int) -> dict[str, list[dict]]:
    return accepted(delivery, at(day))


def first_delivery() -> dict[str, list[dict]]:
    """Kon Tum's 2024 report, the ministries' first pulls, a donor file and the reference data."""
    return {
        "raw.batches": [
            _batch("kontum-q3", "form01", 1),
            _batch("mof-plans-1", "capital-plans", 1, "ministry_api"),
            _batch("mof-paid-1", "disbursements", 1, "ministry_api"),
            _batch("mof-rates-1", "exchange-rates", 1, "ministry_api"),
            _batch("mof-villages-1", "extremely-difficult-villages", 1, "ministry_api"),
            _batch("mof-communes-1", "beneficiary-communes", 1, "ministry_api"),
            _batch("donor-file-1", "iati_activities", 1, "iati_files"),
            _batch("ref-wards", "reference_wards_2025", 1, "reference"),
            _batch("ref-map-a", "reference_old_to_new_wards_vietnamadminunits", 1, "reference"),
            _batch("ref-map-b", "reference_old_to_new_wards_dvhcvn", 1, "reference"),
            _batch("ref-pop", "reference_wards_2025_area_population", 1, "reference"),
        ],
        "raw.provincial_report_lines": [
            _report_line(
                "kontum-q3",
                "2008",
                "62",
                "51",
                "2024-Q3",
                date(2024, 9, 30),
                "DA1",
                None,
                10,
                4_000_000_000,
                1_000_000_000,
            ),
            _report_line(
                "kontum-q3",
                "2008",
                "62",
                "51",
                "2024-Q3",
                date(2024, 9, 30),
                "DA3",
                "DA3.1",
                11,
                2_000_000_000,
                500_000_000,
            ),
        ],
        "raw.ministry_capital_plans": [
            {
                "id": "KHV-2024-62-DA1",
                "year": 2024,
                "plan_kind": "annual",
                "province_code": "62",
                "admin_era": "2008",
                "project_code": "DA1",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "amount_million_vnd": "4000.0005",
                "decision_no": "1234/QĐ-BTC",
                "decision_date": date(2024, 1, 15),
                "updated_at": _at(1),
                "batch_id": "mof-plans-1",
            },
            {
                "id": "KHV-2026-51-DA1",
                "year": 2026,
                "plan_kind": "annual",
                "province_code": "51",
                "admin_era": "2025",
                "project_code": "DA1",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "amount_million_vnd": "7500",
                "decision_no": "215/QĐ-BTC",
                "decision_date": date(2026, 1, 22),
                "updated_at": _at(1),
                "batch_id": "mof-plans-1",
            },
        ],
        "raw.ministry_disbursements": [
            {
                "id": "GN-202405-62-DA1",
                "province_code": "62",
                "admin_era": "2008",
                "project_code": "DA1",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "month": "2024-05",
                "amount_vnd": 600_000_000,
                "value_date": date(2024, 5, 24),
                "updated_at": _at(1),
                "batch_id": "mof-paid-1",
            },
        ],
        "raw.ministry_exchange_rates": [
            {
                "id": "TG-USD-2024-07-01",
                "currency": "USD",
                "rate_date": date(2024, 7, 1),
                "vnd_per_unit": "24000",
                "record_json": '{"vnd_per_unit": 24000}',
                "updated_at": _at(1),
                "batch_id": "mof-rates-1",
            },
        ],
        "raw.ministry_extremely_difficult_villages": [
            {
                "id": f"THON-{i}",
                "village_name": f"Thôn {i}",
                "commune_code": "23500",
                "province_code": "62",
                "decision_no": "612/QĐ-UBDT",
                "updated_at": _at(1),
                "batch_id": "mof-villages-1",
            }
            for i in range(5)
        ],
        "raw.ministry_beneficiary_communes": [
            {
                "id": "XA-23500",
                "commune_code": "23500",
                "commune_name": "Xã Đăk Kôi",
                "province_code": "62",
                "admin_era": "2008",
                "region": "III",
                "decision_no": "861/QĐ-TTg",
                "updated_at": _at(1),
                "batch_id": "mof-communes-1",
            },
        ],
        "raw.iati_activities": [
            {
                "iati_identifier": "XI-DEMO-MRDF-VN-1719-01",
                "reporting_org_ref": "XI-DEMO-MRDF",
                "reporting_org_name": "Mekong Rural Development Fund (demo)",
                "default_currency": "USD",
                "batch_id": "donor-file-1",
            },
        ],
        "raw.iati_transactions": [
            _transaction(
                "XI-DEMO-MRDF-VN-1719-01",
                0,
                "3",
                date(2024, 7, 9),
                "1000.5",
                "USD",
                "donor-file-1",
            ),
        ],
        "raw.reference_wards_2025": [
            {
                "ward_code": code,
                "ward_name": name,
                "province_code": "51",
                "name_key": key,
                "batch_id": "ref-wards",
            }
            for code, name, key in (
                ("23600", "Đăk Kôi", "xa dak koi"),
                ("23601", "Kon Braih", "xa kon braih"),
            )
        ],
        "raw.reference_old_to_new_wards_vietnamadminunits": [
            {
                "old_province_code": "62",
                "old_ward_code": "23500",
                "is_divided_ward": True,
                "new_ward_code": code,
                "new_province_code": "51",
                "batch_id": "ref-map-a",
            }
            for code in ("23600", "23601")
        ],
        "raw.reference_old_to_new_wards_dvhcvn": [
            {
                "old_province_code": "62",
                "old_ward_code": "23500",
                "new_ward_code": "23600",
                "batch_id": "ref-map-b",
            },
        ],
        "raw.reference_wards_2025_area_population": [
            {
                "province_code_2025": "51",
                "name_key": key,
                "population": people,
                "area_km2": "100",
                "batch_id": "ref-pop",
            }
            for key, people in (("xa dak koi", 2000), ("xa kon braih", 1000))
        ],
    }


def second_delivery() -> dict[str, list[dict]]:
    """Kon Tum corrects its report, Quảng Ngãi reports 2026, more treasury and donor data."""
    return {
        "raw.batches": [
            _batch("kontum-q3-fixed", "form01", 2),
            _batch("quangngai-2026-q1", "form01", 2),
            _batch("mof-paid-2", "disbursements", 2, "ministry_api"),
            _batch("datastore-1", "transaction", 2, "iati_datastore"),
        ],
        "raw.provincial_report_lines": [
            _report_line(
                "kontum-q3-fixed",
                "2008",
                "62",
                "51",
                "2024-Q3",
                date(2024, 9, 30),
                "DA1",
                None,
                10,
                4_000_000_000,
                1_200_000_000,
            ),
            _report_line(
                "quangngai-2026-q1",
                "2025",
                "51",
                "51",
                "2026-Q1",
                date(2026, 3, 31),
                "DA1",
                None,
                10,
                7_500_000_000,
                300_000_000,
            ),
        ],
        "raw.ministry_disbursements": [
            {
                "id": "GN-202405-62-DA1",
                "province_code": "62",
                "admin_era": "2008",
                "project_code": "DA1",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "month": "2024-05",
                "amount_vnd": 650_000_000,
                "value_date": date(2024, 5, 24),
                "updated_at": _at(2),
                "batch_id": "mof-paid-2",
            },
            {
                "id": "GN-202602-51-DA1",
                "province_code": "51",
                "admin_era": "2025",
                "project_code": "DA1",
                "budget_source": "NSTW",
                "capital_type": "DTPT",
                "month": "2026-02",
                "amount_vnd": 100_000_000,
                "value_date": date(2026, 2, 20),
                "updated_at": _at(2),
                "batch_id": "mof-paid-2",
            },
        ],
        "raw.iati_datastore_transactions": [
            _transaction(
                "XI-DEMO-MRDF-VN-1719-01",
                0,
                "3",
                date(2024, 7, 9),
                "1000.5",
                "USD",
                "datastore-1",
            ),
            _transaction(
                "XI-DEMO-NUT-VN-WATER-01", 0, "2", date(2024, 8, 1), "2000", "USD", "datastore-1"
            ),
        ],
    }


def _dbt(folder: Path, *args: str, env: dict[str, str]) -> None:
    dbt(folder, *args, env=env)


def _warehouse(path: Path, *deliveries: dict[str, list[dict]]) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        for delivery in deliveries:
            insert(con, delivery)


def _marts(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            name: con.execute(f"select * from {name} order by all").fetchall() for name in MARTS
        }


@pytest.mark.slow
def test_incremental_builds_equal_a_full_refresh_and_bridge_both_eras(tmp_path):
    incremental = make_warehouse(tmp_path / "a", _accepted(first_delivery(), 1))
    dbt(tmp_path / "a", "build")
    with duckdb.connect(str(incremental)) as con:
        _insert(con, _accepted(second_delivery(), 2))
    dbt(tmp_path / "a", "build")
    full = make_warehouse(
        tmp_path / "b", _accepted(first_delivery(), 1), _accepted(second_delivery(), 2)
    )
    # Models only: the data tests ran on the incremental build of the same raw rows just above
    # (and the unit tests, which read no warehouse, in every whole build), and the marts of both
    # are compared below.
    dbt(
        tmp_path / "b",
        "build",
        "--full-refresh",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
    )

    built = _marts(incremental)
    assert built == _marts(full)
    assert built["marts.fct_donor_transactions"], "the marts must not be empty"

    with duckdb.connect(str(incremental), read_only=True) as con:
        progress = con.execute(
            "select progress_year, plan_vnd, allocation_vnd, disbursed_reported_vnd, "
            "disbursed_treasury_vnd, programme_code_2026 from marts.mart_programme_progress "
            "where province_code = '51' and project_code = 'DA1' order by progress_year"
        ).fetchall()
        # Kon Tum (2008 code 62) in 2024 and Quảng Ngãi (2025 code 51) in 2026, one province.
        # The corrected Kon Tum report wins; the treasury record's later version wins.
        assert progress == [
            (2024, 4_000_000_500, 4_000_000_000, 1_200_000_000, 650_000_000, "HP2"),
            (2026, 7_500_000_000, 7_500_000_000, 300_000_000, 100_000_000, "HP2"),
        ]
        villages = con.execute(
            "select commune_code, village_count_612 from marts.dim_commune "
            "where admin_era = '2025' order by commune_code"
        ).fetchall()
        # The split commune's five villages go 2000:1000 by population and add back to five.
        assert villages == [("23600", 3), ("23601", 2)]
        donors = con.execute(
            "select iati_identifier, amount_vnd, project_code, project_amount_vnd, "
            "is_in_both_channels from marts.fct_donor_transactions order by all"
        ).fetchall()
        assert donors == [
            ("XI-DEMO-MRDF-VN-1719-01", 24_012_000, "DA3", 14_407_200, True),
            ("XI-DEMO-MRDF-VN-1719-01", 24_012_000, "DA9", 9_604_800, True),
            ("XI-DEMO-NUT-VN-WATER-01", 48_000_000, "DA1", 38_400_000, False),
        ]
        disagreements = con.execute(
            "select old_commune_code, new_commune_code, only_in_mapping "
            "from quality.quality_commune_mapping_disagreements"
        ).fetchall()
        assert disagreements == [("23500", "23601", "vietnamadminunits")]


# --- PostgreSQL ---------------------------------------------------------------------------------

_PG_TYPES = {
    pa.string(): "text",
    pa.int32(): "integer",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.float64(): "double precision",
}


def _pg_type(kind: pa.DataType) -> str:
    if kind in _PG_TYPES:
        return _PG_TYPES[kind]
    if pa.types.is_timestamp(kind):
        return "timestamptz"
    if pa.types.is_decimal(kind):
        return f"numeric({kind.precision}, {kind.scale})"
    return "text"  # lists and structs: no model reads them as such


def _pg_connect(database: str):
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        return psycopg2.connect(
            host=os.environ.get("MTQG_PG_HOST", "127.0.0.1"),
            port=int(os.environ.get("MTQG_PG_PORT", "5432")),
            user=os.environ.get("MTQG_PG_USER", "postgres"),
            password=os.environ.get("MTQG_PG_PASSWORD", ""),
            dbname=database,
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server for the postgres target: {exc}")


@pytest.fixture
def pg_database():
    admin = _pg_connect(os.environ.get("MTQG_PG_ADMIN_DATABASE", "postgres"))
    admin.autocommit = True
    name = f"mtqg_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.mark.slow
def test_the_same_models_build_on_postgres(tmp_path, pg_database):
    con = _pg_connect(pg_database)
    with con, con.cursor() as cur:
        cur.execute("create schema raw; create schema quality")
        for table, schema in declared_tables().items():
            columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in schema)
            cur.execute(f"create table {table} ({columns})")
        for delivery in (_accepted(first_delivery(), 1), _accepted(second_delivery(), 2)):
            for table, rows in delivery.items():
                names = list(rows[0])
                for row in rows:
                    cur.execute(
                        f"insert into {table} ({', '.join(names)}) "
                        f"values ({', '.join(['%s'] * len(names))})",
                        [row.get(n) for n in names],
                    )
    # The whole project, its tests included, as on DuckDB.
    _dbt(tmp_path, "build", env={"MTQG_DBT_TARGET": "postgres", "MTQG_PG_DATABASE": pg_database})
    with con, con.cursor() as cur:
        cur.execute(
            "select progress_year, plan_vnd, allocation_vnd, disbursed_treasury_vnd "
            "from marts.mart_programme_progress "
            "where province_code = '51' and project_code = 'DA1' order by progress_year"
        )
        assert cur.fetchall() == [
            (2024, 4_000_000_500, 4_000_000_000, 650_000_000),
            (2026, 7_500_000_000, 7_500_000_000, 100_000_000),
        ]
        cur.execute("select count(*) from marts.fct_donor_transactions")
        assert cur.fetchone() == (3,)
    con.close()
