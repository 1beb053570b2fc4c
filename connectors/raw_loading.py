"""Loading the raw zone of the warehouse from landing, and only from landing.

Each landed payload becomes one batch (a provincial file) or part of one (the pages of an API
pull). Loading a batch is idempotent: its rows replace whatever the batch had before, so
`mtqg replay` can rebuild raw from landing alone. A file that cannot be read still becomes a
batch — with no rows and a blocking problem saying why — so nothing is silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from connectors.exceptions import InputRejected
from connectors.landing import LandedFile
from connectors.provincial.schema import Problem
from connectors.warehouse import (
    BATCH_PROBLEMS,
    BATCHES,
    BENEFICIARY_SUPPORT_LINES,
    PROVINCIAL_REPORT_LINES,
    replace_rows,
)

log = logging.getLogger("mtqg.connectors.raw_loading")

SPREADSHEET_EXTENSIONS = {"xlsx", "xls", "xlsm", "xlsb", "ods"}
TEXT_EXTENSIONS = {"csv", "txt", "tsv"}


@dataclass
class BatchLoad:
    """What loading one batch did: how many rows were read and kept, and what was wrong."""

    batch_id: str
    source: str
    dataset: str
    original_name: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    reports: list[tuple[str, str]] = field(default_factory=list)  # (province name, period)
    slices: list[tuple[str, str]] = field(default_factory=list)  # (2025 province code, period)
    problems: list[Problem] = field(default_factory=list)
    skipped: bool = False  # already loaded earlier

    @property
    def is_readable(self) -> bool:
        return not any(p.check == "read" for p in self.problems)


def read_provincial_file(landed: LandedFile) -> tuple[str, list[Any]]:
    """Read a provincial file by what it is (CSV export, beneficiary list or Form 01), never
    by its name. Form 02 is pseudonymised by its reader: names and IDs stay in landing."""
    from connectors.provincial.flat_csv import read_flat_csv
    from connectors.provincial.form01 import read_form01
    from connectors.provincial.form02 import looks_like_form02, read_form02
    from connectors.pseudonymise import Pseudonymiser

    ext = landed.extension.lower()
    if ext in TEXT_EXTENSIONS:
        return "flat_csv", read_flat_csv(landed.path)
    if looks_like_form02(landed.path):
        return "form02", [read_form02(landed.path, pseudonymiser=Pseudonymiser.from_env())]
    return "form01", [read_form01(landed.path)]


def load_provincial_file(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    *,
    source: str,
    source_kind: str,
    reader: Callable[[LandedFile], tuple[str, list[Any]]] = read_provincial_file,
) -> BatchLoad:
    """Load one landed provincial file as one batch (batch id = the file's sha256)."""
    name = landed.original_name or landed.path.name
    try:
        dataset, reports = reader(landed)
    except InputRejected as exc:
        exc.file = name  # name the file as the sender called it, not by its landing hash
        problem = Problem(reason=exc.describe(), sheet=exc.sheet, row=exc.row, check="read")
        load = BatchLoad(landed.sha256, source, "unreadable", name, problems=[problem])
        _write_file_batch(con, landed, load, source_kind, None)
        return load

    load = BatchLoad(landed.sha256, source, dataset, name)
    table, schema, rows_of = _RAW_TABLE_OF_DATASET[dataset]
    tables = []
    for index, report in enumerate(reports):
        rows = rows_of(report)
        load.rows_read += report.rows_read
        load.rows_loaded += rows.num_rows
        load.reports.append((report.province.name, report.period.label))
        if report.province.code_2025:
            load.slices.append((report.province.code_2025, report.period.label))
        load.problems.extend(report.problems)
        tables.append(_with_report_columns(report, rows, schema, landed.sha256, index))
    rows = pa.concat_tables(tables) if tables else schema.empty_table()
    _write_file_batch(con, landed, load, source_kind, {table: rows})
    return load


# dataset -> (raw table, its schema, the reader's rows of one report)
_RAW_TABLE_OF_DATASET: dict[str, tuple[str, pa.Schema, Callable[[Any], pa.Table]]] = {
    "form01": ("raw.provincial_report_lines", PROVINCIAL_REPORT_LINES, lambda r: r.lines),
    "flat_csv": ("raw.provincial_report_lines", PROVINCIAL_REPORT_LINES, lambda r: r.lines),
    "form02": (
        "raw.beneficiary_support_lines",
        BENEFICIARY_SUPPORT_LINES,
        lambda r: r.beneficiaries,
    ),
}


def _write_file_batch(con, landed, load, source_kind, tables) -> None:
    # A file read again replaces every row an earlier load of it left, in every file table
    # (an unreadable file: none).
    emptied = {name: schema.empty_table() for name, schema, _ in _RAW_TABLE_OF_DATASET.values()}
    write_landed_batch(
        con, load, landed, source_kind=source_kind, tables={**emptied, **(tables or {})}
    )


def write_landed_batch(
    con: duckdb.DuckDBPyConnection,
    load: BatchLoad,
    landed: LandedFile,
    *,
    source_kind: str,
    tables: dict[str, pa.Table],
) -> None:
    """`write_batch` for a batch that is one landed file (its sha256, path and arrival time)."""
    write_batch(
        con,
        load,
        source_kind=source_kind,
        loaded_at=arrival_time(landed),
        source_file_sha256=landed.sha256,
        landed_path=str(landed.path),
        tables=tables,
    )


def _with_report_columns(
    report: Any, rows: pa.Table, schema: pa.Schema, sha256: str, index: int
) -> pa.Table:
    n = rows.num_rows
    constants = {
        "batch_id": sha256,
        "source_file_sha256": sha256,
        "report_index": index,
        "form": report.form,
        "sender_name": report.sender_name,
        "province_name": report.province.name,
        "admin_era": report.province.admin_era,
        "province_code_as_reported": report.province.code_as_reported,
        "province_code_2025": report.province.code_2025,
        "period": report.period.label,
        "period_end_date": report.period.end_date,
        "unit": report.unit,
        "unit_vnd": report.unit_vnd,
        "tolerance_vnd": getattr(report, "tolerance_vnd", None),
    }
    columns = {
        f.name: pa.array([constants[f.name]] * n, type=f.type)
        if f.name in constants
        else rows.column(f.name).cast(f.type)
        for f in schema
    }
    return pa.table(columns, schema=schema)


def write_batch(
    con: duckdb.DuckDBPyConnection,
    load: BatchLoad,
    *,
    source_kind: str,
    loaded_at: datetime,
    source_file_sha256: str | None,
    landed_path: str,
    tables: dict[str, pa.Table],
) -> None:
    """Record a batch and make `tables` its only rows in raw, all in one transaction."""
    batch = pa.Table.from_pylist(
        [
            {
                "batch_id": load.batch_id,
                "source": load.source,
                "source_kind": source_kind,
                "dataset": load.dataset,
                "source_file_sha256": source_file_sha256,
                "original_name": load.original_name,
                "landed_path": landed_path,
                "rows_read": load.rows_read,
                "rows_loaded": load.rows_loaded,
                "loaded_at": loaded_at,
            }
        ],
        schema=BATCHES,
    )
    con.execute("begin transaction")
    try:
        replace_rows(con, "raw.batches", "batch_id", load.batch_id, batch)
        replace_rows(
            con,
            "raw.batch_problems",
            "batch_id",
            load.batch_id,
            problems_table(load.batch_id, load.problems),
        )
        for table, rows in tables.items():
            replace_rows(con, table, "batch_id", load.batch_id, rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info(
        "loaded batch %s (%s, %s): %d rows read, %d loaded, %d problems",
        load.batch_id[:24],
        load.original_name,
        load.dataset,
        load.rows_read,
        load.rows_loaded,
        len(load.problems),
    )


def arrival_time(landed: LandedFile) -> datetime:
    """When the payload reached landing: the batch's time, so a replay reproduces raw exactly."""
    return datetime.fromisoformat(landed.fetched_at).astimezone(UTC)


def problems_table(batch_id: str, problems: Iterable[Problem]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "batch_id": batch_id,
                "check_name": p.check,
                "source_sheet": p.sheet,
                "source_row": p.row,
                "reason": p.reason,
                "is_blocking": p.blocking,
            }
            for p in problems
        ],
        schema=BATCH_PROBLEMS,
    )


def loaded_batch_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select batch_id from raw.batches").fetchall()}
