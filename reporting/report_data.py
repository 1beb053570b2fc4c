"""The report's figures, read once from the gated warehouse: one table per sheet, or the reason a
sheet has none yet (its model not built, its query not wired)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from reporting.report_sheets import PERIOD, SHEETS, SINCE, SheetSpec
from warehouse import queries


@dataclass(frozen=True)
class SheetData:
    spec: SheetSpec
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    missing: str | None = None  # why the sheet has no table: model not built, query not wired

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class ReportData:
    period: str | None
    previous_report_at: datetime | None
    sheets: dict[str, SheetData]
    progress: list[tuple]  # the detail table (TienDo), province × project


def latest_period(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest period with accepted figures, or None when the summary is not built yet."""
    try:
        found = queries.rows(con, "report_latest_period")
    except duckdb.CatalogException:
        return None
    return found[0][0] if found else None


def read_report(
    con: duckdb.DuckDBPyConnection,
    period: str | None = None,
    previous_report_at: datetime | None = None,
) -> ReportData:
    period = period or latest_period(con)
    values = {PERIOD: period, SINCE: previous_report_at}
    sheets = {spec.name: read_sheet(con, spec, values) for spec in SHEETS}
    progress = queries.rows(con, "report_progress", [period])
    return ReportData(period, previous_report_at, sheets, progress)


def read_sheet(
    con: duckdb.DuckDBPyConnection, spec: SheetSpec, values: dict[str, Any]
) -> SheetData:
    try:
        queries.sql(spec.query)
    except KeyError:
        return SheetData(
            spec,
            missing=f"chưa nối / not wired yet: warehouse/sql/{spec.query}.sql "
            f"({spec.model}) does not exist",
        )
    try:
        cursor = con.execute(queries.sql(spec.query), [values[p] for p in spec.params])
    except duckdb.CatalogException:
        return SheetData(
            spec,
            missing=f"chưa có dữ liệu / not built yet: {spec.model} is not in the warehouse",
        )
    except duckdb.BinderException as exc:
        return SheetData(
            spec,
            missing=f"không đọc được / cannot be read: {spec.model} lacks a column that "
            f"warehouse/sql/{spec.query}.sql reads ({str(exc).splitlines()[0]})",
        )
    return SheetData(spec, [d[0] for d in cursor.description], cursor.fetchall())
