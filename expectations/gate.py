"""The quality gate: every new batch is accepted or quarantined, before anything reaches the marts.

A batch is quarantined when its reader found a blocking problem (unreadable file, subtotal that
does not add up, unknown province …) or when its data fail a blocking expectation of its suite.
Outcomes go to `quality.batch_status` (one row per batch, latest verdict) and every evaluated
expectation to `quality.check_results` (kept). Warnings are recorded but do not quarantine.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from connectors.kinds import gated_datasets
from warehouse import queries, signoff
from warehouse.connection import transaction
from warehouse.tables import BATCH_STATUS, CHECK_RESULTS, append_rows, replace_rows

log = logging.getLogger("mtqg.expectations.gate")

_RELATION = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


@dataclass
class GateOutcome:
    """The verdict on one batch."""

    batch_id: str
    source: str
    dataset: str
    original_name: str | None
    status: str  # accepted | quarantined | held (would change an approved province × period)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    row_count: int = 0
    fact_count: int = 0
    warning_count: int = 0  # the warnings listed, and those beyond LISTED_PROBLEMS

    @property
    def is_accepted(self) -> bool:
        return self.status == "accepted"


VERDICTS = ("accepted", "quarantined", "held")


def count_verdicts(outcomes: list[GateOutcome]) -> dict[str, int]:
    """How many batches got each verdict (every verdict named, zeros included)."""
    return {verdict: sum(1 for o in outcomes if o.status == verdict) for verdict in VERDICTS}


# A verdict lists a batch's first problems of each kind (blocking, not); the rest are counted
# in one line. Every problem stays in raw.batch_problems and on the quality page.
LISTED_PROBLEMS = 20


def _more_problems(count: int) -> str:
    return (
        f"… và {count} vấn đề khác cùng loại (đủ cả trong raw.batch_problems) / "
        f"… and {count} more of the kind (all of them in raw.batch_problems)"
    )


def pending_batches(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Batches loaded into raw that the gate has not judged since they were (re)loaded."""
    return queries.records(con, "gate_pending_batches")


def gate_pending_batches(
    con: duckdb.DuckDBPyConnection, *, today: date | None = None
) -> list[GateOutcome]:
    """Judge every pending batch; returns the verdicts in load order."""
    return [gate_batch(con, batch, today=today) for batch in pending_batches(con)]


def province_period_batch_ids(
    con: duckdb.DuckDBPyConnection, province_code: str, period: str
) -> list[str]:
    """Batches that report one province (2025 code, or the code as reported) and period."""
    code = province_code.strip()
    code = code.zfill(2) if code.isdigit() else code
    return [row[0] for row in queries.rows(con, "gate_province_period_batches", [code, period])]


def regate_province_period(
    con: duckdb.DuckDBPyConnection, province_code: str, period: str, *, today: date | None = None
) -> list[GateOutcome]:
    """Forget the verdicts on one province × period and judge its batches again; returns
    nothing when no report of that slice is loaded."""
    batch_ids = province_period_batch_ids(con, province_code, period)
    if not batch_ids:
        return []
    queries.execute(con, "gate_forget_verdicts", [batch_ids])
    return gate_pending_batches(con, today=today)


def gate_batch(
    con: duckdb.DuckDBPyConnection, batch: dict, *, today: date | None = None
) -> GateOutcome:
    from expectations.runner import validate

    now = datetime.now(UTC)
    outcome = GateOutcome(
        batch_id=batch["batch_id"],
        source=batch["source"],
        dataset=batch["dataset"],
        original_name=batch["original_name"],
        status="accepted",
        row_count=batch["rows_read"] or 0,
    )
    in_all = {True: 0, False: 0}
    for check_name, sheet, row, reason, is_blocking, of_its_kind in queries.rows(
        con, "gate_batch_problems", [outcome.batch_id, LISTED_PROBLEMS]
    ):
        where = ", ".join(x for x in (sheet and f"sheet {sheet}", row and f"row {row}") if x)
        # readers usually name the sheet and row in their own words already
        text = f"{where}: {reason}" if where and not (sheet and sheet in reason) else reason
        (outcome.reasons if is_blocking else outcome.warnings).append(f"[{check_name}] {text}")
        in_all[is_blocking] = of_its_kind
    for listed, total in ((outcome.reasons, in_all[True]), (outcome.warnings, in_all[False])):
        if total > len(listed):
            listed.append(_more_problems(total - len(listed)))
    reader_warnings = in_all[False]

    check_records: list[dict] = []
    gated = gated_datasets().get(outcome.dataset)
    if gated is not None and not outcome.reasons:
        facts = batch_facts(con, gated.relation, outcome.batch_id)
        frame = facts.to_pandas()
        result = validate(gated.suite, frame, params={"today": today or date.today()})
        for failure in result.blocking_failures:
            outcome.reasons.append(_describe(failure))
        for warning in result.warnings:
            outcome.warnings.append(_describe(warning))
        reader_warnings += len(result.warnings)
        check_records = result.to_check_records(outcome.batch_id, now)
        outcome.fact_count = facts.num_rows
    elif outcome.dataset == "unreadable" and not outcome.reasons:
        outcome.reasons.append("the file could not be read")

    if outcome.reasons:
        outcome.status = "quarantined"
        outcome.fact_count = 0
    elif held := signoff.hold_reasons(con, outcome.batch_id):
        outcome.status, outcome.reasons, outcome.fact_count = "held", held, 0
    outcome.warning_count = reader_warnings
    _record(con, outcome, batch, now, check_records)
    log.info(
        "batch %s (%s): %s%s",
        outcome.batch_id[:12],
        outcome.original_name,
        outcome.status,
        f" — {'; '.join(outcome.reasons)}" if outcome.reasons else "",
    )
    return outcome


def batch_facts(con: duckdb.DuckDBPyConnection, relation: str, batch_id: str) -> pa.Table:
    """One batch's rows of the dbt model its suite reads (`relation` comes from the registry
    of source kinds, never from input: it is checked to be a plain schema.model name)."""
    if not _RELATION.match(relation):
        raise ValueError(f"{relation!r} is not a schema.model name")
    query = f"select * from {relation} where batch_id = $1"
    return con.sql(query, params=[batch_id]).to_arrow_table()


def _describe(failure) -> str:
    where = ""
    if failure.failing_locations:
        rows = sorted({loc.get("source_row") for loc in failure.failing_locations} - {None})
        if rows:
            shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
            where = f" (rows {shown})"
    return f"[{failure.expectation_type}] {failure.message_vi} / {failure.message_en}{where}"


def _record(
    con: duckdb.DuckDBPyConnection,
    outcome: GateOutcome,
    batch: dict,
    now: datetime,
    check_records: list[dict],
) -> None:
    status = pa.Table.from_pylist(
        [
            {
                "batch_id": outcome.batch_id,
                "source": outcome.source,
                "dataset": outcome.dataset,
                "source_file_sha256": batch["sha256"],
                "original_name": outcome.original_name,
                "status": outcome.status,
                "reasons": "; ".join(outcome.reasons) or None,
                "row_count": outcome.row_count,
                "fact_count": outcome.fact_count,
                "warning_count": outcome.warning_count,
                "loaded_at": batch["loaded_at"],
                "gated_at": now,
            }
        ],
        schema=BATCH_STATUS,
    )
    with transaction(con):
        replace_rows(con, "quality.batch_status", "batch_id", outcome.batch_id, status)
        if check_records:
            for record in check_records:
                if not isinstance(record.get("failing_locations_json"), str):
                    record["failing_locations_json"] = json.dumps(
                        record.get("failing_locations_json"), ensure_ascii=False, default=str
                    )
            append_rows(
                con,
                "quality.check_results",
                pa.Table.from_pylist(check_records, schema=CHECK_RESULTS),
            )
