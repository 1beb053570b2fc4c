"""The DuckDB warehouse as the loaders see it: connections, and the raw and quality tables
that Python writes (everything else is built by dbt).

Table names are fixed here; nothing from input ever becomes part of a SQL string.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.exceptions import MtqgError
from connectors.provincial.form02 import BENEFICIARY_SCHEMA
from connectors.provincial.schema import LINE_SCHEMA

BATCHES = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source", pa.string()),  # the configured source name (inbox, lao_cai_portal, mof …)
        ("source_kind", pa.string()),  # inbox | ckan | ministry_api | iati_files | iati_datastore
        ("dataset", pa.string()),  # form01 | flat_csv | form02 | capital-plans | iati_activities …
        ("source_file_sha256", pa.string()),
        ("original_name", pa.string()),
        ("landed_path", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)

BATCH_PROBLEMS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("check_name", pa.string()),
        ("source_sheet", pa.string()),
        ("source_row", pa.int32()),
        ("reason", pa.string()),
        ("is_blocking", pa.bool_()),
    ]
)

REPORT_COLUMNS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source_file_sha256", pa.string()),
        ("report_index", pa.int32()),
        ("form", pa.string()),
        ("sender_name", pa.string()),
        ("province_name", pa.string()),
        ("admin_era", pa.string()),
        ("province_code_as_reported", pa.string()),
        ("province_code_2025", pa.string()),
        ("period", pa.string()),
        ("period_end_date", pa.date32()),
        ("unit", pa.string()),
        ("unit_vnd", pa.int64()),
        ("tolerance_vnd", pa.int64()),
    ]
)
PROVINCIAL_REPORT_LINES = pa.schema(list(REPORT_COLUMNS) + list(LINE_SCHEMA))
# Form 02 rows, already pseudonymised by the reader: no name or citizen ID is ever written.
BENEFICIARY_SUPPORT_LINES = pa.schema(
    [f for f in REPORT_COLUMNS if f.name not in ("tolerance_vnd",)] + list(BENEFICIARY_SCHEMA)
)

BATCH_STATUS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source", pa.string()),
        ("dataset", pa.string()),
        ("source_file_sha256", pa.string()),
        ("original_name", pa.string()),
        ("status", pa.string()),  # accepted | quarantined
        ("reasons", pa.string()),  # "; "-joined, each naming sheet/row where known
        ("row_count", pa.int64()),  # rows read from the source
        ("fact_count", pa.int64()),  # facts that may reach the marts (0 when quarantined)
        ("warning_count", pa.int64()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("gated_at", pa.timestamp("us", tz="UTC")),
    ]
)

CHECK_RESULTS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("suite", pa.string()),
        ("expectation_type", pa.string()),
        ("column_name", pa.string()),
        ("severity", pa.string()),
        ("success", pa.bool_()),
        ("unexpected_count", pa.int64()),
        ("element_count", pa.int64()),
        ("message_vi", pa.string()),
        ("message_en", pa.string()),
        ("failing_locations_json", pa.string()),
        ("evaluated_at", pa.timestamp("us", tz="UTC")),
    ]
)

# Every table Python writes, by schema-qualified name. The loaders may only write these.
TABLES: dict[str, pa.Schema] = {
    "raw.batches": BATCHES,
    "raw.batch_problems": BATCH_PROBLEMS,
    "raw.provincial_report_lines": PROVINCIAL_REPORT_LINES,
    "raw.beneficiary_support_lines": BENEFICIARY_SUPPORT_LINES,
    "quality.batch_status": BATCH_STATUS,
    "quality.check_results": CHECK_RESULTS,
}


class WarehouseBusy(MtqgError):
    """The warehouse file is locked by another writer for longer than we wait."""


def register_table(name: str, schema: pa.Schema) -> None:
    """Declare another raw table (used by connectors that bring their own schemas)."""
    if name in TABLES and TABLES[name] != schema:
        raise MtqgError(f"table {name} is already declared with another schema")
    TABLES[name] = schema


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait_seconds: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a writer waits (bounded) for another writer's lock to go."""
    path = Path(path)
    if read_only and not path.exists():
        raise MtqgError(f"the warehouse {path} does not exist yet: run `mtqg run` or `mtqg demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another writer: {exc}"
                ) from exc
            time.sleep(0.5)
    try:
        yield con
    finally:
        con.close()


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and every declared table that does not exist yet."""
    for schema in ("raw", "quality"):
        con.execute(f"create schema if not exists {schema}")
    for name, schema in TABLES.items():
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB through its replacement scan
        con.execute(f"create table if not exists {_checked(name)} as select * from empty")


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, key_column: str, key: str, rows: pa.Table
) -> None:
    """Make `rows` the only rows of `table` whose key column equals `key` (idempotent load)."""
    name = _checked(table)
    if key_column not in TABLES[table].names:
        raise MtqgError(f"{key_column} is not a column of {table}")
    rows = rows.select(TABLES[table].names).cast(TABLES[table])
    con.execute(f"delete from {name} where {key_column} = ?", [key])
    con.execute(f"insert into {name} by name select * from rows")


def append_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    name = _checked(table)
    rows = rows.select(TABLES[table].names).cast(TABLES[table])
    con.execute(f"insert into {name} by name select * from rows")


def delete_raw_batches(con: duckdb.DuckDBPyConnection, *, source: str | None = None) -> int:
    """Remove from every raw table the batches of one source (or all); returns how many."""
    if source is None:
        ids = con.execute("select batch_id from raw.batches").fetchall()
    else:
        ids = con.execute("select batch_id from raw.batches where source = ?", [source]).fetchall()
    batch_ids = pa.table({"batch_id": [r[0] for r in ids]})  # noqa: F841 - used by DuckDB
    for name, schema in TABLES.items():
        if name.startswith("raw.") and "batch_id" in schema.names:
            con.execute(
                f"delete from {_checked(name)} where batch_id in (select batch_id from batch_ids)"
            )
    return len(ids)


def _checked(name: str) -> str:
    if name not in TABLES:
        raise MtqgError(f"{name} is not a table the loaders may write")
    return name


def _with_batch_columns(schema: pa.Schema) -> pa.Schema:
    extra = [
        f
        for f in (("batch_id", pa.string()), ("source_file_sha256", pa.string()))
        if f[0] not in schema.names
    ]
    return pa.schema(list(schema) + extra)


def ministry_table(collection: str) -> str:
    return "raw.ministry_" + collection.replace("-", "_")


def iati_table(name: str) -> str:
    return "raw.iati_" + name


def _register_source_tables() -> None:
    # Connectors own the shape of what they read; the warehouse only adds the batch columns.
    from connectors.iati.tables import TABLE_SCHEMAS, TRANSACTION_SCHEMA
    from connectors.ministry import BATCH_FIELDS, COLLECTION_SCHEMAS

    for collection, schema in COLLECTION_SCHEMAS.items():
        register_table(ministry_table(collection), pa.schema(list(schema) + BATCH_FIELDS))
    for name, schema in TABLE_SCHEMAS.items():
        register_table(iati_table(name), _with_batch_columns(schema))
    register_table("raw.iati_datastore_transactions", _with_batch_columns(TRANSACTION_SCHEMA))
    from connectors.reference import REFERENCE_FILES

    for reference in REFERENCE_FILES.values():
        register_table(reference.table, reference.full_schema)


_register_source_tables()
