"""What the warehouse holds, told for people: rows per mart, verdicts, open problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import MtqgError
from warehouse import queries
from warehouse.connection import connect


@dataclass
class WarehouseAccount:
    mart_rows: dict[str, int] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)  # status -> count
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file, reasons)


@dataclass(frozen=True)
class BatchVerdict:
    status: str  # accepted | quarantined
    reasons: str | None
    fact_count: int
    reports: str | None  # "Lào Cai (10, era 2008) 2024-Q3, …"


def account(warehouse: Path) -> WarehouseAccount:
    """Rows per mart and the gate's verdicts; empty for a warehouse not built yet."""
    result = WarehouseAccount()
    if not Path(warehouse).exists():
        return result
    try:
        return _read_account(warehouse, result)
    except duckdb.Error as exc:
        raise MtqgError(f"the warehouse {warehouse} could not be read: {exc}") from exc


def _read_account(warehouse: Path, result: WarehouseAccount) -> WarehouseAccount:
    with connect(warehouse, read_only=True) as con:
        for (mart,) in queries.rows(con, "mart_tables"):
            (count,) = queries.rows(con, "table_row_count", [f"marts.{mart}"])[0]
            result.mart_rows[mart] = count
        if _has_table(con, "quality", "batch_status"):
            result.batches = dict(queries.rows(con, "batches_by_status"))
            result.quarantined = queries.rows(con, "quarantined_batches")
    return result


def batch_verdict(con: duckdb.DuckDBPyConnection, batch_id: str) -> BatchVerdict | None:
    """The gate's verdict on one batch, or None when it was never gated."""
    found = queries.rows(con, "batch_verdict", [batch_id])
    return BatchVerdict(*found[0]) if found else None


def open_problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, str, str]]:
    """(file, province, period, reasons) of every blocking problem still open."""
    return queries.rows(con, "open_problems")


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(queries.rows(con, "table_exists", [schema, table]))
