"""Digests: one message per recipient per run, in the recipient's language, scrubbed.

A digest is built only from `Finding` fields; `scrub` is a second line of defence that masks
anything shaped like a citizen ID, a phone number or a credential that slipped into a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reporting.alerts.assignments import Recipient
from reporting.alerts.findings import Finding

MASK = "***"
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|client_secret|token|access_token|api[_-]?key)"
    r"(\s*[=:]\s*)[^\s,;&]+"
)
# 0xxxxxxxxx (mobile), 0xx xxxx xxxx (landline), +84 / 0084 …, with spaces, dots or dashes.
_PHONE = re.compile(r"(?<![\w+])(?:\+84|0084|0)(?:[ .-]?\d){9,10}(?!\d)")
# CCCD (12 digits) and CMND (9 digits) written as one run of digits.
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")

_BLANK_LINES = re.compile(r"\n{3,}")

NEW, REMINDER, RESOLVED = "new", "reminder", "resolved"

_SEVERITY_LABELS = {
    "vi": {"blocking": "CHẶN", "run_failure": "LỖI CHẠY", "warning": "CẢNH BÁO"},
    "en": {"blocking": "BLOCKING", "run_failure": "RUN FAILURE", "warning": "WARNING"},
}
# What the officer should do, by kind of check; the finding's own message says what is wrong.
_HINTS = {
    "reconciliation": (
        "Đề nghị đơn vị báo cáo kiểm tra lại số tổng hợp với các dòng chi tiết và gửi lại biểu.",
        "Ask the sender to reconcile the subtotals with their detail rows and resend the form.",
    ),
    "schema": (
        "Đề nghị gửi lại tệp đúng mẫu biểu quy định (đủ cột, đúng tiêu đề).",
        "Ask for the file again in the prescribed form (all columns, expected headers).",
    ),
    "completeness": (
        "Đôn đốc đơn vị gửi báo cáo còn thiếu của kỳ này.",
        "Remind the sender to submit the missing report for this period.",
    ),
    "outlier": (
        "Xác minh số liệu bất thường với đơn vị báo cáo; nếu đúng, ghi chú lý do.",
        "Confirm the unusual figure with the sender; if it is right, note why.",
    ),
    "run": (
        "Báo bộ phận kỹ thuật; dữ liệu của lần chạy này chưa được cập nhật.",
        "Tell the technical team; this run's data has not been updated.",
    ),
    "duplicate": (
        "Xác nhận với đơn vị báo cáo bản nào là bản chính thức.",
        "Confirm with the sender which copy is the official one.",
    ),
}
_DEFAULT_HINT = (
    "Kiểm tra tệp nguồn theo nội dung trên và liên hệ đơn vị báo cáo nếu cần.",
    "Check the source file against the message above and contact the sender if needed.",
)

_ENV = Environment(
    loader=PackageLoader("reporting.alerts", "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def scrub(text: str) -> str:
    """Mask credentials, phone numbers and 9- or 12-digit runs (CMND/CCCD) in rendered text."""
    text = _URL_CREDENTIALS.sub(MASK + "@", text)
    text = _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _PHONE.sub(MASK, text)
    return _ID_NUMBER.sub(MASK, text)


@dataclass(frozen=True)
class Notice:
    """One line of a digest: a finding that is new, reminded, or resolved for this recipient."""

    finding: Finding
    kind: str  # new | reminder | resolved
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Digest:
    """What one recipient is told in one run; every text is already scrubbed."""

    staff_id: str
    language: str
    subject: str
    body: str
    chat_text: str
    notices: tuple[Notice, ...]

    @property
    def open_count(self) -> int:
        return sum(n.kind != RESOLVED for n in self.notices)

    @property
    def resolved_count(self) -> int:
        return sum(n.kind == RESOLVED for n in self.notices)

    def problems(self) -> list[dict[str, Any]]:
        """The notices as plain data (for the chat webhook and the quality page)."""
        english = self.language == "en"
        return [
            {
                "key": scrub(n.finding.key),
                "status": n.kind,
                "severity": n.finding.severity,
                "check": n.finding.check,
                "province_code": n.finding.province_code,
                "project_code": n.finding.project_code,
                "period": n.finding.period,
                "source": scrub(n.finding.source),
                "message": scrub(n.finding.message_en if english else n.finding.message_vi),
            }
            for n in self.notices
        ]


def render_digest(
    recipient: Recipient,
    notices: Iterable[Notice],
    *,
    province_names: Mapping[str, str] | None = None,
) -> Digest:
    """Subject, plain-text body and short chat text for one recipient."""
    language = recipient.language if recipient.language in _SEVERITY_LABELS else "vi"
    notices = tuple(notices)
    names = province_names or {}
    open_notices = [n for n in notices if n.kind != RESOLVED]
    resolved = sorted(
        (n for n in notices if n.kind == RESOLVED), key=lambda n: _place_key(n.finding)
    )
    context = {
        "recipient": recipient,
        "groups": _groups(open_notices, language, names),
        "resolved": [_item(n, language, names) for n in resolved],
        "new_count": sum(n.kind == NEW for n in open_notices),
        "reminder_count": sum(n.kind == REMINDER for n in open_notices),
        "blocking_count": sum(n.finding.severity == "blocking" for n in open_notices),
        "open_count": len(open_notices),
        "resolved_count": len(resolved),
    }
    rendered = {
        part: scrub(
            _BLANK_LINES.sub("\n\n", _ENV.get_template(f"{part}_{language}.txt.j2").render(context))
        )
        for part in ("subject", "body", "chat")
    }
    return Digest(
        staff_id=recipient.staff_id,
        language=language,
        subject=" ".join(rendered["subject"].split()),
        body=rendered["body"],
        chat_text=rendered["chat"].strip(),
        notices=notices,
    )


def _groups(notices: list[Notice], language: str, names: Mapping[str, str]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str | None, str | None], list[Notice]] = {}
    for notice in notices:
        grouped.setdefault((notice.finding.province_code, notice.finding.period), []).append(notice)

    def group_order(item: tuple[tuple[str | None, str | None], list[Notice]]) -> tuple:
        (province, period), members = item
        worst = min(n.finding.severity_rank for n in members)
        return (worst, province is None, province or "", period or "")

    groups = []
    for (province, period), members in sorted(grouped.items(), key=group_order):
        members.sort(key=lambda n: (n.finding.severity_rank, n.kind != NEW, n.finding.check))
        groups.append(
            {
                "province": _province_label(province, language, names),
                "period": period,
                "items": [_item(n, language, names) for n in members],
            }
        )
    return groups


def _item(notice: Notice, language: str, names: Mapping[str, str]) -> dict[str, Any]:
    finding = notice.finding
    hint = _HINTS.get(finding.check, _DEFAULT_HINT)
    return {
        "kind": notice.kind,
        "severity": _SEVERITY_LABELS[language][finding.severity],
        "check": finding.check,
        "source": finding.source,
        "project": finding.project_code,
        "period": finding.period,
        "province": _province_label(finding.province_code, language, names),
        "message": finding.message_en if language == "en" else finding.message_vi,
        "hint": hint[1] if language == "en" else hint[0],
        "first_seen": notice.first_seen.strftime("%d/%m/%Y") if notice.first_seen else None,
    }


def _province_label(code: str | None, language: str, names: Mapping[str, str]) -> str:
    if code is None:
        return "Toàn quốc / chung" if language == "vi" else "Nationwide / general"
    name = names.get(code)
    if name:
        return f"{name} ({code})"
    return f"Tỉnh mã {code}" if language == "vi" else f"Province {code}"


def _place_key(finding: Finding) -> tuple:
    return (finding.province_code is None, finding.province_code or "", finding.period or "")
