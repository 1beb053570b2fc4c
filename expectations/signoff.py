"""The gate's side of sign-off: what an approval holds and what an unlock re-judges.

Approving a province × period locks the figures the marts publish for it; an accepted batch
that would replace them (gated, but not yet in the marts) is held at once, and the gate holds
every later one (gate.py). Unlocking re-judges the held batches of the slice from scratch: one
the gate accepts is published by the next build of the marts, like any accepted batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from expectations.gate import GateOutcome, gate_pending_batches
from warehouse import queries, signoff
from warehouse.connection import transaction
from warehouse.signoff import SignoffEvent, Slice


@dataclass
class SignoffOutcome:
    where: Slice
    event: SignoffEvent
    approved_batches: list[str] = field(default_factory=list)
    held_now: list[str] = field(default_factory=list)  # accepted batches the approval held
    rejudged: list[GateOutcome] = field(default_factory=list)  # held batches an unlock judged


def approve(
    con: duckdb.DuckDBPyConnection, province: str, period: str, *, by: str
) -> SignoffOutcome:
    """Lock one province × period on its published figures (`province`: 2025 code or name)."""
    where = signoff.resolve_slice(province, period)
    with transaction(con):
        event, approved = signoff.record_approval(con, where, by=by)
        held_now = []
        for batch_id in signoff.slice_batches(con, where, "accepted"):
            reasons = signoff.hold_reasons(con, batch_id)
            if reasons:
                signoff.hold(con, batch_id, reasons, event.recorded_at)
                held_now.append(batch_id)
    return SignoffOutcome(where, event, approved_batches=approved, held_now=held_now)


def unlock(
    con: duckdb.DuckDBPyConnection,
    province: str,
    period: str,
    *,
    by: str,
    reason: str,
    today: date | None = None,
) -> SignoffOutcome:
    """Unlock one province × period and judge its held submissions again; the ones accepted
    are published by the next build of the marts, the others stay held or are quarantined."""
    where = signoff.resolve_slice(province, period)
    with transaction(con):
        event = signoff.record_unlock(con, where, by=by, reason=reason, now=datetime.now(UTC))
        held = signoff.slice_batches(con, where, "held")
        if held:
            queries.execute(con, "gate_forget_verdicts", [held])
    rejudged = gate_pending_batches(con, today=today) if held else []
    return SignoffOutcome(where, event, rejudged=[o for o in rejudged if o.batch_id in held])
