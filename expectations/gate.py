"""The quality gate: every new batch is accepted or quarantined, before anything reaches the marts.

A batch is quarantined when its reader found a blocking problem (unreadable file, subtotal that
does not add up, unknown province …) or when its data fail a blocking expectation of its suite.
Outcomes go to `quality.batch_status` (one row per batch, latest verdict) and every evaluated
expectation to `quality.check_results` (kept). Warnings are recorded but do not quarantine.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from connectors.warehouse import BATCH_STATUS, CHECK_RESULTS, append_rows, replace_rows

log = logging.getLogger("mtqg.expectations.gate")

# Which suite gates which dataset, and the dbt model its batch's rows are read from.
# (Relation names are constants of this table, never input.)
GATED_DATASETS: dict[str, tuple[str, str]] = {
    "form01": ("provincial_progress_batch", "intermediate.int_provincial_progress_unpivoted"),
    "flat_csv": ("provincial_progress_batch", "intermediate.int_provincial_progress_unpivoted"),
    "form02": ("beneficiary_support", "intermediate.int_beneficiary_support_checked"),
    "capital-plans": ("ministry_capital_plans", "intermediate.int_capital_plans_converted"),
    "disbursements": ("ministry_disbursements", "staging.stg_ministries__disbursements"),
    "iati_activities": ("donor_transactions", "staging.stg_donors__transactions"),
    "transaction": ("donor_transactions", "staging.stg_donors__datastore_transactions"),
}


@dataclass
class GateOutcome:
    """The verdict on one batch."""

    batch_id: str
    source: str
    dataset: str
    original_name: str | None
    status: str  # accepted | quarantined
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    row_count: int = 0
    fact_count: int = 0

    @property
    def is_accepted(self) -> bool:
        return self.status == "accepted"


def pending_batches(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Batches loaded into raw that the gate has not judged since they were (re)loaded."""
    rows = con.execute(
        """
        select b.batch_id, b.source, b.dataset, b.source_file_sha256, b.original_name,
               b.rows_read, b.loaded_at
        from raw.batches as b
        left join quality.batch_status as s on s.batch_id = b.batch_id
        where s.batch_id is null or s.gated_at < b.loaded_at
        order by b.loaded_at, b.batch_id
        """
    ).fetchall()
    names = ["batch_id", "source", "dataset", "sha256", "original_name", "rows_read", "loaded_at"]
    return [dict(zip(names, row, strict=True)) for row in rows]


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
    rows = con.execute(
        "select distinct batch_id from raw.provincial_report_lines where period = ? "
        "and (province_code_2025 = ? or province_code_as_reported = ?) order by batch_id",
        [period.strip(), code, code],
    ).fetchall()
    return [row[0] for row in rows]


def regate_province_period(
    con: duckdb.DuckDBPyConnection, province_code: str, period: str, *, today: date | None = None
) -> list[GateOutcome]:
    """Forget the verdicts on one province × period and judge its batches again; returns
    nothing when no report of that slice is loaded."""
    batch_ids = province_period_batch_ids(con, province_code, period)
    if not batch_ids:
        return []
    con.execute(
        "delete from quality.batch_status where batch_id in (select unnest(?))", [batch_ids]
    )
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
    for check_name, sheet, row, reason, is_blocking in con.execute(
        "select check_name, source_sheet, source_row, reason, is_blocking "
        "from raw.batch_problems where batch_id = ? order by source_row nulls first",
        [outcome.batch_id],
    ).fetchall():
        where = ", ".join(x for x in (sheet and f"sheet {sheet}", row and f"row {row}") if x)
        # readers usually name the sheet and row in their own words already
        text = f"{where}: {reason}" if where and not (sheet and sheet in reason) else reason
        (outcome.reasons if is_blocking else outcome.warnings).append(f"[{check_name}] {text}")

    check_records: list[dict] = []
    if outcome.dataset in GATED_DATASETS and not outcome.reasons:
        suite, relation = GATED_DATASETS[outcome.dataset]
        facts = con.sql(
            f"select * from {relation} where batch_id = ?", params=[outcome.batch_id]
        ).to_arrow_table()
        frame = facts.to_pandas()
        result = validate(suite, frame, params={"today": today or date.today()})
        for failure in result.blocking_failures:
            outcome.reasons.append(_describe(failure))
        for warning in result.warnings:
            outcome.warnings.append(_describe(warning))
        check_records = result.to_check_records(outcome.batch_id, now)
        outcome.fact_count = facts.num_rows
    elif outcome.dataset == "unreadable" and not outcome.reasons:
        outcome.reasons.append("the file could not be read")

    if outcome.reasons:
        outcome.status = "quarantined"
        outcome.fact_count = 0
    _record(con, outcome, batch, now, check_records)
    log.info(
        "batch %s (%s): %s%s",
        outcome.batch_id[:12],
        outcome.original_name,
        outcome.status,
        f" — {'; '.join(outcome.reasons)}" if outcome.reasons else "",
    )
    return outcome


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
                "warning_count": len(outcome.warnings),
                "loaded_at": batch["loaded_at"],
                "gated_at": now,
            }
        ],
        schema=BATCH_STATUS,
    )
    con.execute("begin transaction")
    try:
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
