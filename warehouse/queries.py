"""The SQL Python runs on the warehouse, kept in `warehouse/sql/<name>.sql` and run by name.

Parameters are bound (`$1`, `$2` …), never formatted in: nothing from input becomes SQL.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> str:
    """The text of the named query."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query {name!r} in {SQL_DIR}")
    return path.read_text(encoding="utf-8")


def rows(con: duckdb.DuckDBPyConnection, name: str, params: list[Any] | None = None) -> list[tuple]:
    return con.execute(sql(name), params or []).fetchall()


def records(
    con: duckdb.DuckDBPyConnection, name: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    cursor = con.execute(sql(name), params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def arrow(con: duckdb.DuckDBPyConnection, name: str, params: list[Any] | None = None) -> pa.Table:
    return con.sql(sql(name), params=params or None).to_arrow_table()


def execute(con: duckdb.DuckDBPyConnection, name: str, params: list[Any] | None = None) -> None:
    con.execute(sql(name), params or [])
