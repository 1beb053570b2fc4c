"""The tables Python writes: `raw` (one table per kind's raw table, plus the batch ledger) and
`quality` (the gate's verdicts). Everything else in the warehouse is built by dbt.

Table names come from these declarations and the registry of source kinds; nothing from input
ever becomes part of a SQL string.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from connectors.kinds import all_kinds
from connectors.kinds.base import SourceKind
from core.errors import MtqgError

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

BATCH_STATUS = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source", pa.string()),
        ("dataset", pa.string()),
        ("source_file_sha256", pa.string()),
        ("original_name", pa.string()),
        ("status", pa.string()),  # accepted | quarantined | held (sign-off)
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

# Sign-off (`mtqg approve` / `mtqg unlock`): append-only, every event kept (warehouse/signoff.py).
SIGNOFF_EVENTS = pa.schema(
    [
        ("event_id", pa.string()),
        ("action", pa.string()),  # approve | unlock
        ("province_code", pa.string()),  # 2025 code
        ("period", pa.string()),  # 2024-Q3 …
        ("actor", pa.string()),  # --by
        ("reason", pa.string()),  # --reason of an unlock
        ("recorded_at", pa.timestamp("us", tz="UTC")),
    ]
)

# The batches in force (published) for the slice when it was approved: one row per reporting unit.
SIGNOFF_APPROVED_BATCHES = pa.schema(
    [
        ("event_id", pa.string()),
        ("province_code", pa.string()),
        ("period", pa.string()),
        ("batch_id", pa.string()),
        ("admin_era", pa.string()),
        ("province_code_as_reported", pa.string()),
    ]
)

LEDGER: dict[str, pa.Schema] = {
    "raw.batches": BATCHES,
    "raw.batch_problems": BATCH_PROBLEMS,
    "quality.batch_status": BATCH_STATUS,
    "quality.check_results": CHECK_RESULTS,
    "quality.signoff_events": SIGNOFF_EVENTS,
    "quality.signoff_approved_batches": SIGNOFF_APPROVED_BATCHES,
}
BATCH_COLUMNS = (("batch_id", pa.string()), ("source_file_sha256", pa.string()))


def with_batch_columns(schema: pa.Schema) -> pa.Schema:
    """A reader's columns plus the batch columns the writer stamps (kept where declared)."""
    extra = [pa.field(n, t) for n, t in BATCH_COLUMNS if n not in schema.names]
    return pa.schema(list(schema) + extra)


def raw_tables_of(kind: SourceKind) -> dict[str, pa.Schema]:
    """The raw tables one kind's batches fill, by schema-qualified name."""
    return {f"raw.{name}": with_batch_columns(schema) for name, schema in kind.raw_tables.items()}


def declared_tables() -> dict[str, pa.Schema]:
    """Every table Python may write, by schema-qualified name."""
    tables = dict(LEDGER)
    for kind in all_kinds().values():
        for name, schema in raw_tables_of(kind).items():
            if name in tables and tables[name] != schema:
                raise MtqgError(
                    f"kind {kind.name} declares {name} with other columns than another kind"
                )
            tables[name] = schema
    return tables


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and every declared table that does not exist yet."""
    for schema in ("raw", "quality"):
        con.execute(f"create schema if not exists {schema}")
    for name, schema in declared_tables().items():
        empty = schema.empty_table()  # noqa: F841 - read by DuckDB through its replacement scan
        con.execute(f"create table if not exists {name} as select * from empty")


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, key_column: str, key: str, rows: pa.Table
) -> None:
    """Make `rows` the only rows of `table` whose key column equals `key` (idempotent load)."""
    schema = _declared(table)
    if key_column not in schema.names:
        raise MtqgError(f"{key_column} is not a column of {table}")
    rows = rows.select(schema.names).cast(schema)
    con.execute(f"delete from {table} where {key_column} = ?", [key])
    con.execute(f"insert into {table} by name select * from rows")


def append_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    schema = _declared(table)
    rows = rows.select(schema.names).cast(schema)
    con.execute(f"insert into {table} by name select * from rows")


def delete_raw_batches(con: duckdb.DuckDBPyConnection, *, source: str | None = None) -> int:
    """Remove from every raw table the batches of one source (or all); returns how many."""
    if source is None:
        ids = con.execute("select batch_id from raw.batches").fetchall()
    else:
        ids = con.execute("select batch_id from raw.batches where source = ?", [source]).fetchall()
    batch_ids = pa.table({"batch_id": [r[0] for r in ids]})  # noqa: F841 - used by DuckDB
    for name, schema in declared_tables().items():
        if name.startswith("raw.") and "batch_id" in schema.names:
            con.execute(f"delete from {name} where batch_id in (select batch_id from batch_ids)")
    return len(ids)


def _declared(name: str) -> pa.Schema:
    tables = declared_tables()
    if name not in tables:
        raise MtqgError(f"{name} is not a table the loaders may write")
    return tables[name]
