"""The data quality page (`index.html`): batches, failed checks, completeness and this run's alerts.

One self-contained HTML file (inline CSS, no external assets), in Vietnamese with English
sub-headings. Rows are plain dicts as the warehouse tables hold them; unknown keys are tolerated.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from core.files import write_text_atomically
from reporting.alerts.dispatch import DispatchReport
from reporting.alerts.messages import scrub

MAX_LOCATIONS_SHOWN = 5
_FAILED_STATUSES = {"failed", "fail", "error", "failure"}
# Headings of the completeness table for the columns we know; others show their own name.
_COLUMN_LABELS = {
    "province_code": ("Mã tỉnh", "Province code"),
    "province_code_2025": ("Mã tỉnh", "Province code"),
    "province_name": ("Tỉnh", "Province"),
    "province": ("Tỉnh", "Province"),
    "period": ("Kỳ báo cáo", "Period"),
    "dataset": ("Loại dữ liệu", "Dataset"),
    "form": ("Biểu", "Form"),
    "expected": ("Phải nộp", "Expected"),
    "received": ("Đã nhận", "Received"),
    "accepted": ("Được chấp nhận", "Accepted"),
    "quarantined": ("Bị cách ly", "Quarantined"),
    "status": ("Tình trạng", "Status"),
    "is_complete": ("Đủ", "Complete"),
    "last_received_at": ("Lần nhận cuối", "Last received"),
    "due_date": ("Hạn nộp", "Due date"),
}
_STATUS_LABELS = {
    "accepted": "Đã chấp nhận / accepted",
    "quarantined": "Cách ly / quarantined",
    "pending": "Đang chờ / pending",
}

_ENV = Environment(
    loader=PackageLoader("reporting", "templates"),
    autoescape=True,  # every template here is HTML
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["scrub"] = lambda value: scrub(str(value)) if value is not None else ""


def write_quality_page(
    out_dir: Path,
    batches: list[dict],
    check_results: list[dict],
    completeness: list[dict],
    alerts: DispatchReport | None,
    *,
    generated_at: datetime | None = None,
) -> Path:
    """Render `out_dir/index.html` (written atomically) and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = [_check_row(c) for c in check_results if _is_failure(c)]
    failed.sort(key=lambda c: (c["severity"] != "blocking", c["batch_id"] or "", c["name"]))
    batch_rows = [_batch_row(b) for b in batches]
    statuses = Counter(b["status"] for b in batch_rows)
    columns = _columns(completeness)
    html = _ENV.get_template("quality_page.html.j2").render(
        generated_at=(generated_at or datetime.now(UTC)).strftime("%d/%m/%Y %H:%M UTC"),
        batches=batch_rows,
        accepted_count=statuses.get("accepted", 0),
        quarantined_count=statuses.get("quarantined", 0),
        failed_checks=failed,
        blocking_count=sum(c["severity"] == "blocking" for c in failed),
        completeness_columns=[(c, *_COLUMN_LABELS.get(c, (c, ""))) for c in columns],
        completeness=[[_cell(row.get(c)) for c in columns] for row in completeness],
        incomplete_rows=[_is_incomplete(row) for row in completeness],
        alerts=_alerts(alerts),
    )
    target = out_dir / "index.html"
    return write_text_atomically(target, html)


def _batch_row(batch: dict[str, Any]) -> dict[str, Any]:
    reasons = batch.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [r.strip() for r in reasons.split("; ") if r.strip()]
    province = batch.get("province") or batch.get("province_name")
    code = batch.get("province_code_2025") or batch.get("province_code")
    if province and code and str(code) not in str(province):
        province = f"{province} ({code})"
    status = str(batch.get("status") or "pending").lower()
    return {
        "batch_id": batch.get("batch_id"),
        "source": batch.get("source"),
        "file": batch.get("file") or batch.get("original_name"),
        "province": province or code,
        "period": batch.get("period"),
        "status": status,
        "status_label": _STATUS_LABELS.get(status, status),
        "row_count": _thousands(_first(batch, "row_count", "rows_read")),
        "reasons": list(reasons),
    }


def _is_failure(check: dict[str, Any]) -> bool:
    if "success" in check:
        return check["success"] is False
    if "passed" in check:
        return check["passed"] is False
    return str(check.get("status", "")).lower() in _FAILED_STATUSES


def _check_row(check: dict[str, Any]) -> dict[str, Any]:
    name = _first(check, "check_name", "check", "expectation_type", "name") or "?"
    locations = check.get("failing_locations")
    if locations is None and check.get("failing_locations_json"):
        try:
            locations = json.loads(check["failing_locations_json"])
        except ValueError:
            locations = []
    locations = locations or []
    return {
        "batch_id": check.get("batch_id"),
        "suite": _first(check, "suite", "dataset", "asset"),
        "name": name,
        "column": check.get("column_name"),
        "severity": str(check.get("severity") or "blocking"),
        "unexpected_count": check.get("unexpected_count"),
        "message_vi": _first(check, "message_vi", "message", "description"),
        "message_en": check.get("message_en"),
        "locations": [_location(loc) for loc in locations[:MAX_LOCATIONS_SHOWN]],
        "more_locations": max(0, len(locations) - MAX_LOCATIONS_SHOWN),
    }


def _location(location: Any) -> str:
    if isinstance(location, dict):
        return ", ".join(f"{k} {v}" for k, v in location.items() if v is not None)
    return str(location)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def _is_incomplete(row: dict[str, Any]) -> bool:
    if row.get("is_complete") is False:
        return True
    if str(row.get("status", "")).lower() in {"missing", "late", "incomplete", "thiếu"}:
        return True
    expected, received = row.get("expected"), row.get("received")
    return isinstance(expected, int) and isinstance(received, int) and received < expected


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có / yes" if value else "không / no"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value)


def _thousands(value: Any) -> str:
    # Vietnamese writes 1.234 for one thousand two hundred and thirty-four.
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else _cell(value)


def _first(row: dict[str, Any], *keys: str) -> Any:
    return next((row[k] for k in keys if row.get(k) not in (None, "")), None)


def _alerts(report: DispatchReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    messages = []
    for message in report.messages:
        kinds = Counter(n.kind for n in message.digest.notices)
        messages.append(
            {
                "staff_id": message.recipient.staff_id,
                "role": message.recipient.role,
                "language": message.digest.language,
                "subject": message.digest.subject,
                "new": kinds.get("new", 0),
                "reminder": kinds.get("reminder", 0),
                "resolved": kinds.get("resolved", 0),
                "problems": message.digest.problems(),
                "deliveries": message.deliveries,
            }
        )
    return {
        "ran_at": report.ran_at.strftime("%d/%m/%Y %H:%M UTC"),
        "is_dry_run": report.is_dry_run,
        "open_count": len(report.open_keys),
        "suppressed_count": len(report.suppressed),
        "resolved": report.resolved,
        "failure_count": len(report.failures),
        "messages": messages,
    }
