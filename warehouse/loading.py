"""Loading the raw zone from landing, and only from landing: the one batch writer.

Each landed unit (a file, or a finished pull) becomes one batch. Loading is idempotent: a
batch's rows replace whatever it had before, so `mtqg replay` rebuilds raw from landing alone.
A unit that cannot be read still becomes a batch — no rows, and a blocking problem saying why —
so nothing is silently dropped and one bad file never stops the others.

Personal data (Decree 13/2023/NĐ-CP): the ledger is read by people — the gate copies it to
`quality.batch_status`, the alerts, the quality page and the report quote it — so every reason,
sheet name and original file name written to `raw.batches` / `raw.batch_problems` passes through
`connectors.personal_data.redact` (a CCCD in `bao_cao_001234567890.xlsx` becomes
`bao_cao_[CCCD đã ẩn].xlsx`), and the batch handed back to the caller is redacted the same way,
so its log lines are too. The landing zone keeps the payload and its sidecar as they arrived
(the sender's own name for the file): that is the personal zone, read by no person.

A reader's unforeseen error is logged with its type, the batch and the code's stack frames, never
with the exception's message or the values of local variables: the message of a parser's error
quotes the cell it choked on. Nothing richer is logged at any level (DEBUG logs end up in the
same Dagster event log and in `$MTQG_HOME/logs`); an engineer who needs the message reads the
landed file with the reader by hand.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import replace

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from connectors.batches import Batch, LandedUnit, Problem
from connectors.kinds import kind_of
from connectors.kinds.base import SourceKind
from connectors.landing import LandedFile, Landing
from connectors.personal_data import redact
from connectors.source_models import SourceModel
from core.errors import ConfigError, InputRejected
from core.home import Home
from warehouse.connection import transaction
from warehouse.tables import (
    BATCH_PROBLEMS,
    BATCHES,
    delete_raw_batches,
    raw_tables_of,
    replace_rows,
)

log = logging.getLogger("mtqg.warehouse.loading")


def load_landed_into_raw(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    sources: Sequence[SourceModel],
    *,
    reload: bool = False,
) -> list[Batch]:
    """Load every landed unit of the given sources that raw does not hold yet."""
    landing = Landing(home.landing)
    done = set() if reload else loaded_batch_ids(con)
    loads: list[Batch] = []
    for source in sources:
        kind = kind_of(source)
        for unit in kind.units(landing.files(source.name)):
            if unit.batch_id in done:
                continue  # the same content arrived again (or through another source)
            batch = read_unit(kind, source, unit)
            write_batch(con, batch, raw_tables_of(kind))
            done.add(batch.batch_id)
            batch.tables = {}  # written: keep the account, not the rows
            loads.append(batch)
    return loads


def load_landed_file(
    con: duckdb.DuckDBPyConnection, source: SourceModel, landed: LandedFile
) -> Batch:
    """Load one landed file of a one-file kind as its batch (batch id = its sha256)."""
    kind = kind_of(source)
    batch = read_unit(kind, source, LandedUnit(batch_id=landed.sha256, landed=landed))
    write_batch(con, batch, raw_tables_of(kind))
    return batch


def read_unit(kind: SourceKind, source: SourceModel, unit: LandedUnit) -> Batch:
    """The batch a landed unit makes; any error while reading it becomes its reason."""
    try:
        return kind.read(source, unit)
    except InputRejected as exc:
        exc.file = unit.name  # name the file as the sender called it, not by its landing hash
        reason, sheet, row = exc.describe(), exc.sheet, exc.row
    except ConfigError:
        raise  # the configuration is wrong, not the file: fix it, and the file loads as it is
    except Exception as exc:  # a reader's bug or a file no reader foresaw: quarantine, go on
        # The message may quote cell contents (personal data): the type goes to the reason and
        # the log, with the stack frames (code, not data); the message goes nowhere.
        log.error(
            "reading %s (%s) failed with %s (message withheld: it may quote the file's cells)\n%s",
            unit.batch_id[:24],
            kind.name,
            type(exc).__name__,
            _frames(exc),
        )
        reason = (
            f"file {unit.name}: could not be read ({type(exc).__name__}); the file is kept in "
            "landing and the data engineers have the details in the run's log"
        )
        sheet = row = None
    batch = Batch(unit, source.name, source.kind, "unreadable", original_name=unit.name)
    return batch.refuse(reason, sheet=sheet, row=row)


def write_batch(
    con: duckdb.DuckDBPyConnection, batch: Batch, kind_tables: dict[str, pa.Schema]
) -> None:
    """Record a batch and make its rows the only ones it has in every raw table of its kind,
    each row stamped with the batch, all in one transaction."""
    unknown = {f"raw.{t}" for t in batch.tables} - set(kind_tables)
    if unknown:
        raise ValueError(f"kind {batch.source_kind} does not declare {sorted(unknown)}")
    redact_ledger(batch)
    ledger = pa.Table.from_pylist(
        [
            {
                "batch_id": batch.batch_id,
                "source": batch.source,
                "source_kind": batch.source_kind,
                "dataset": batch.dataset,
                "source_file_sha256": batch.source_file_sha256,
                "original_name": batch.original_name,
                "landed_path": str(batch.unit.landed.path),
                "rows_read": batch.rows_read,
                "rows_loaded": batch.rows_loaded,
                "loaded_at": batch.unit.arrived_at,
            }
        ],
        schema=BATCHES,
    )
    with transaction(con):
        replace_rows(con, "raw.batches", "batch_id", batch.batch_id, ledger)
        replace_rows(
            con,
            "raw.batch_problems",
            "batch_id",
            batch.batch_id,
            problems_table(batch.batch_id, batch.problems),
        )
        for table, schema in kind_tables.items():
            rows = batch.tables.get(table.removeprefix("raw."))
            stamped = _stamped(rows, schema, batch) if rows is not None else schema.empty_table()
            replace_rows(con, table, "batch_id", batch.batch_id, stamped)
    log.info(
        "loaded batch %s (%s, %s): %d rows read, %d loaded, %d problems",
        batch.batch_id[:24],
        batch.original_name,
        batch.dataset,
        batch.rows_read,
        batch.rows_loaded,
        len(batch.problems),
    )


def redact_ledger(batch: Batch) -> Batch:
    """The batch with its original name and every problem's reason and sheet redacted (in
    place: the caller's batch, and everything it logs, no longer holds an ID or a phone).
    Only reasons that could hold an identifier are looked at (a CSV of 100,000 duplicate
    lines has 100,000 reasons, none with nine digits in it)."""
    batch.original_name = redact(batch.original_name)
    problems = batch.problems
    sheets = {sheet: redact(sheet) for sheet in {p.sheet for p in problems}}
    suspect = may_hold_identifiers([p.reason for p in problems])
    batch.problems = [
        p
        if not hit and p.reason is not None and sheets[p.sheet] == p.sheet
        else replace(
            p,
            # a reason the pre-filter passes cannot change: only the sheet is redacted then
            reason=redact(p.reason) or "" if hit or p.reason is None else p.reason,
            sheet=sheets[p.sheet],
        )
        for p, hit in zip(problems, suspect, strict=True)
    ]
    return batch


# What every identifier `connectors.personal_data.redact` finds has: nine digits, each at most
# two characters from the next (CCCD, CMND, phones however grouped), or an @ (e-mail).
_SUSPECT = r"(?s)(?:\p{Nd}.?.?){9}|@"


def may_hold_identifiers(texts: list[str | None]) -> list[bool]:
    """For each text, whether `redact` could change it (a superset: False means it cannot)."""
    if not texts:
        return []
    found = pc.match_substring_regex(pa.array(texts, pa.string()), _SUSPECT)
    return [bool(hit) for hit in pc.fill_null(found, True).to_pylist()]


def _frames(exc: BaseException) -> str:
    """Where an exception (and those it came from) was raised: files, lines, functions and
    types, without messages or local values."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        parts.insert(
            0,
            "".join(f"  {f.filename}:{f.lineno} in {f.name}\n" for f in frames)
            + f"{type(current).__module__}.{type(current).__qualname__}",
        )
        current = current.__cause__ or current.__context__
    return "\nwhich caused\n".join(parts)


def _stamped(rows: pa.Table, schema: pa.Schema, batch: Batch) -> pa.Table:
    """Every row carries its batch; a one-file batch also its file (pulls keep their page's)."""
    stamps = {"batch_id": batch.batch_id}
    if batch.source_file_sha256 is not None or "source_file_sha256" not in rows.column_names:
        stamps["source_file_sha256"] = batch.source_file_sha256
    for name, value in stamps.items():
        column = pa.repeat(pa.scalar(value, pa.string()), rows.num_rows)
        if name in rows.column_names:
            rows = rows.set_column(rows.column_names.index(name), name, column)
        else:
            rows = rows.append_column(name, column)
    # one chunk per report: DuckDB scans one contiguous table much faster than many small ones
    return rows.select(schema.names).cast(schema).combine_chunks()


def replay_raw(
    con: duckdb.DuckDBPyConnection, home: Home, sources: Sequence[SourceModel]
) -> list[Batch]:
    """Rebuild the raw tables of these sources from landing alone."""
    with transaction(con):
        for source in sources:
            delete_raw_batches(con, source=source.name)
    return load_landed_into_raw(con, home, sources, reload=True)


def problems_table(batch_id: str, problems: Sequence[Problem]) -> pa.Table:
    columns = {
        "batch_id": pa.repeat(pa.scalar(batch_id, pa.string()), len(problems)),
        "check_name": [p.check for p in problems],
        "source_sheet": [p.sheet for p in problems],
        "source_row": [p.row for p in problems],
        "reason": [p.reason for p in problems],
        "is_blocking": [p.blocking for p in problems],
    }
    return pa.table(
        {f.name: pa.array(columns[f.name], f.type) for f in BATCH_PROBLEMS}, schema=BATCH_PROBLEMS
    )


def loaded_batch_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select batch_id from raw.batches").fetchall()}
