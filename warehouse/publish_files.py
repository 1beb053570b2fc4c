"""Tables of the current snapshot exported as files for people: Parquet, CSV or Excel.

Parquet is the snapshot's own file, copied and checked against the manifest's sha256. CSV and
XLSX are written from the snapshot's DuckDB file, streamed in batches; text that a spreadsheet
could take for a formula (`core.text.FORMULA_STARTS`) is written as text: in CSV with the leading
`'` of `core.text.csv_safe` (applied to whole Arrow columns at once), in XLSX as string cells
(`write_string`), which Excel never evaluates.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.errors import MtqgError
from core.files import atomic_path
from core.text import FORMULA_STARTS, QUOTE
from warehouse.queries import sql
from warehouse.snapshots import Snapshot, file_sha256

FORMATS = ("parquet", "csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet, less the header row
_BATCH_ROWS = 65_536
_FORMULA = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"


@dataclass(frozen=True)
class Exported:
    table: str
    path: Path
    rows: int


def export_tables(snapshot: Snapshot, tables: list[str], fmt: str, out: Path) -> list[Exported]:
    """Write each named table of the snapshot to `out/<schema>.<table>.<fmt>` (atomically)."""
    if fmt not in FORMATS:
        raise MtqgError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    unknown = [t for t in tables if t not in snapshot.tables]
    if unknown:
        raise MtqgError(
            f"no table {', '.join(unknown)} in the snapshot {snapshot.path.name}; it has: "
            + ", ".join(snapshot.tables)
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    import duckdb

    with duckdb.connect(str(snapshot.database), read_only=True) as con:
        for table in tables:
            target = out / f"{table}.{fmt}"
            rows = snapshot.tables[table]["rows"]
            if fmt == "parquet":
                _copy_parquet(snapshot, table, target)
            else:
                reader = con.sql(sql("snapshot_table"), params=[table]).to_arrow_reader(_BATCH_ROWS)
                if fmt == "csv":
                    _write_csv(reader, target)
                else:
                    if rows > XLSX_MAX_ROWS:
                        raise MtqgError(
                            f"{table} has {rows:,} rows, more than an Excel sheet holds "
                            f"({XLSX_MAX_ROWS:,}): export it as parquet or csv"
                        )
                    _write_xlsx(reader, target, table)
            written.append(Exported(table, target, rows))
    return written


def _copy_parquet(snapshot: Snapshot, table: str, target: Path) -> None:
    source = snapshot.parquet(table)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
        if file_sha256(tmp) != snapshot.tables[table]["sha256"]:
            raise MtqgError(
                f"{source} does not match the snapshot's manifest: the file was changed or "
                "damaged after it was published; nothing was exported"
            )


def formula_safe(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Every text column with `'` before each value a spreadsheet could read as a formula (what
    `core.text.csv_safe` does to one value), for a whole batch at once."""
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, _FORMULA)
            quoted = pc.binary_join_element_wise(QUOTE, column, "")
            column = pc.if_else(risky, quoted, column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _write_csv(reader: pa.RecordBatchReader, target: Path) -> None:
    with atomic_path(target) as tmp, pacsv.CSVWriter(str(tmp), reader.schema) as writer:
        for batch in reader:
            writer.write_batch(formula_safe(batch))


def _write_xlsx(reader: pa.RecordBatchReader, target: Path, table: str) -> None:
    import xlsxwriter

    with atomic_path(target) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
        sheet = workbook.add_worksheet(table.split(".")[-1][:31])
        dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
        stamps = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, name in enumerate(reader.schema.names):
            sheet.write_string(0, col, name)
        row = 1
        for batch in reader:
            columns = [column.to_pylist() for column in batch.columns]
            for offset in range(batch.num_rows):
                for col, values in enumerate(columns):
                    _cell(sheet, row + offset, col, values[offset], dates, stamps)
            row += batch.num_rows
        workbook.close()


def _cell(sheet, row: int, col: int, value, dates, stamps) -> None:
    """One cell: text always as a string cell (never a formula), numbers as numbers."""
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), stamps)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), dates)
    else:
        sheet.write_string(row, col, str(value))
