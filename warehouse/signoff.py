"""Sign-off of a province × period: approvals and unlocks, kept in an append-only audit table.

An approved province × period is locked: the batches then published for it stay in force and
the gate holds any later submission that would change them (expectations/signoff.py). Every
approval and unlock is a new row of `quality.signoff_events`; nothing is ever updated or deleted.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from connectors.admin_units import Province, default_directory, name_key, normalise_code
from connectors.vietnamese import find_period, fold, nfc, strip_admin_prefix
from core.errors import MtqgError
from warehouse import queries
from warehouse.tables import SIGNOFF_APPROVED_BATCHES, SIGNOFF_EVENTS, append_rows


class SignoffRefused(MtqgError):
    """An approval or unlock that cannot be recorded as asked (the message says why)."""


@dataclass(frozen=True)
class SignoffEvent:
    event_id: str
    action: str  # approve | unlock
    actor: str
    reason: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class Slice:
    """One province (2025 unit) × reporting period, as sign-off locks it."""

    province_code: str
    province_name: str
    period: str

    def __str__(self) -> str:
        return f"{self.province_name} ({self.province_code}) {self.period}"


def resolve_province(text: str) -> Province:
    """A current (2025) province from its code or its name.

    The code first (`51`, `1` = `01`); then the name as written, NFC, with its diacritics
    (`Quảng Ngãi`, `Tỉnh Quảng Ngãi`, `TP. Huế`); only then the name without diacritics
    (`Quang Ngai`), when exactly one province has it.
    """
    given = nfc(text or "").strip()
    if not given:
        raise SignoffRefused("no province given: write its 2025 code (51) or name (Quảng Ngãi)")
    current = [p for p in default_directory().provinces if p.admin_era == "2025"]
    if given.isdigit():
        code = normalise_code(given)
        for province in current:
            if province.code == code:
                return province
        raise SignoffRefused(
            f"mã tỉnh {code!r} không thuộc 34 tỉnh từ 01/7/2025 / {code!r} is not the code of "
            "one of the 34 provinces since 1 July 2025 (codes of the 63 old provinces are not "
            "accepted: sign-off is by current province)"
        )
    exact = _casefold(strip_admin_prefix(given))
    for province in current:
        if exact in {_casefold(province.name), _casefold(strip_admin_prefix(province.full_name))}:
            return province
    folded = name_key(given)
    matches = {p.code: p for p in current if folded in {name_key(p.name), fold(p.name_en)}}
    if len(matches) == 1:
        return next(iter(matches.values()))
    hint = ", ".join(f"{p.name} ({p.code})" for p in matches.values())
    by_code = {p.code: p for p in current}
    merged = [
        by_code[p.code_2025]
        for p in default_directory().provinces
        if p.admin_era == "2008" and name_key(p.name) == folded and p.code_2025 in by_code
    ]
    if merged and not hint:
        hint = f"{merged[0].name} ({merged[0].code}), of which it is part since 1 July 2025"
    raise SignoffRefused(
        f"không nhận ra tỉnh {given!r} trong 34 tỉnh từ 01/7/2025 / unknown province {given!r}"
        + (f": it could be {hint}" if hint else "")
        + "; write its 2025 code or its name as in the province list"
    )


def resolve_period(text: str) -> str:
    """A reporting period as the warehouse writes it (`2024-Q3`, `2024-H1`, `2024`, `2024-09`);
    `Quý III năm 2024` is read as 2024-Q3."""
    period = find_period(text or "", whole=True)
    if period is None:
        raise SignoffRefused(
            f"kỳ báo cáo {nfc(text or '')!r} không hợp lệ / {nfc(text or '')!r} is not a "
            "reporting period: write it as 2024-Q3, 2024-H1, 2024-9M, 2024 or 2024-09"
        )
    return period.label


def resolve_slice(province: str, period: str) -> Slice:
    found = resolve_province(province)
    return Slice(found.code, found.name, resolve_period(period))


def latest_event(con: duckdb.DuckDBPyConnection, where: Slice) -> SignoffEvent | None:
    found = queries.rows(con, "signoff_latest_event", [where.province_code, where.period])
    return SignoffEvent(*found[0]) if found else None


def is_locked(con: duckdb.DuckDBPyConnection, where: Slice) -> bool:
    event = latest_event(con, where)
    return event is not None and event.action == "approve"


def record_approval(
    con: duckdb.DuckDBPyConnection, where: Slice, *, by: str, now: datetime | None = None
) -> tuple[SignoffEvent, list[str]]:
    """Lock the slice on the batches the marts publish for it now; returns the event and those
    batches. Refused when it is locked already or nothing of it is published."""
    actor = _actor(by)
    event = latest_event(con, where)
    if event is not None and event.action == "approve":
        raise SignoffRefused(
            f"{where} đã được phê duyệt bởi {event.actor} lúc {_when(event.recorded_at)} / "
            f"{where} is already approved (by {event.actor} at {_when(event.recorded_at)}); "
            "unlock it first to approve other figures"
        )
    if not queries.rows(con, "table_exists", ["marts", "fct_capital_progress"]):
        raise SignoffRefused(
            f"{where}: the marts are not built yet, so nothing is published to approve "
            "(run `mtqg run` first)"
        )
    published = queries.rows(con, "signoff_published_batches", [where.province_code, where.period])
    if not published:
        raise SignoffRefused(
            f"{where}: chưa có số liệu nào được công bố để phê duyệt / nothing is published "
            "for this province and period, so there is nothing to approve (is the report "
            "loaded and accepted, and the marts built?)"
        )
    recorded = SignoffEvent(uuid.uuid4().hex, "approve", actor, None, now or datetime.now(UTC))
    batches = pa.Table.from_pylist(
        [
            {
                "event_id": recorded.event_id,
                "province_code": where.province_code,
                "period": where.period,
                "batch_id": batch_id,
                "admin_era": era,
                "province_code_as_reported": code,
            }
            for batch_id, era, code in published
        ],
        schema=SIGNOFF_APPROVED_BATCHES,
    )
    append_rows(con, "quality.signoff_events", _event_row(recorded, where))
    append_rows(con, "quality.signoff_approved_batches", batches)
    return recorded, [row[0] for row in published]


def record_unlock(
    con: duckdb.DuckDBPyConnection,
    where: Slice,
    *,
    by: str,
    reason: str,
    now: datetime | None = None,
) -> SignoffEvent:
    """Unlock an approved slice; refused when it is not approved or no reason is given."""
    actor = _actor(by)
    why = nfc(reason or "").strip()
    if not why:
        raise SignoffRefused(f"{where}: an unlock needs a reason (--reason), kept in the audit")
    if not is_locked(con, where):
        raise SignoffRefused(
            f"{where} chưa được phê duyệt nên không cần mở khóa / {where} is not approved, "
            "so there is nothing to unlock"
        )
    recorded = SignoffEvent(uuid.uuid4().hex, "unlock", actor, why, now or datetime.now(UTC))
    append_rows(con, "quality.signoff_events", _event_row(recorded, where))
    return recorded


def hold_reasons(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[str]:
    """Why the gate must hold an otherwise acceptable batch: one reason per approved slice its
    figures would change; empty when it changes none."""
    return [
        f"[signoff] {province} {period} đã được phê duyệt bởi {actor} lúc {_when(at)}: báo cáo "
        "mới được giữ lại, chưa công bố, cho đến khi mở khóa (mtqg unlock) / was approved by "
        f"{actor} at {_when(at)}: this submission is held, not published, until it is unlocked"
        for province, period, actor, at in queries.rows(con, "signoff_holds", [batch_id])
    ]


def slice_batches(con: duckdb.DuckDBPyConnection, where: Slice, status: str) -> list[str]:
    """Batches of the slice with the given verdict (accepted | held)."""
    params = [where.province_code, where.period, status]
    return [row[0] for row in queries.rows(con, "signoff_slice_batches", params)]


def hold(con: duckdb.DuckDBPyConnection, batch_id: str, reasons: list[str], now: datetime) -> None:
    """Turn an accepted batch's verdict into held."""
    queries.execute(con, "signoff_hold_batch", [batch_id, "; ".join(reasons), now])


def _actor(by: str) -> str:
    actor = unicodedata.normalize("NFC", by or "").strip()
    if not actor:
        raise SignoffRefused("who signs must be named (--by), it is kept in the audit")
    return actor


def _casefold(text: str) -> str:
    return " ".join(nfc(text).casefold().split())


def _when(at: datetime) -> str:
    """Vietnam time, as the Office reads it."""
    return at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M (UTC+7)")


def _event_row(event: SignoffEvent, where: Slice) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "event_id": event.event_id,
                "action": event.action,
                "province_code": where.province_code,
                "period": where.period,
                "actor": event.actor,
                "reason": event.reason,
                "recorded_at": event.recorded_at,
            }
        ],
        schema=SIGNOFF_EVENTS,
    )
