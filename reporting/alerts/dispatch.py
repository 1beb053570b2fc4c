"""Each run: route the open problems, send what is new, due again or resolved, remember it.

The caller passes every problem that is open now. A problem already notified is not sent again
within `suppression_hours`; a remembered problem missing from the open set is resolved: those who
heard of it are told once, then it is forgotten. One message per recipient per channel per run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.errors import DeliveryError, MtqgError
from reporting.alerts.assignments import AssignmentTable, Recipient
from reporting.alerts.email import send_email
from reporting.alerts.findings import Finding
from reporting.alerts.messages import NEW, REMINDER, RESOLVED, Digest, Notice, render_digest
from reporting.alerts.settings import AlertSettings
from reporting.alerts.state import AlertState, ProblemState
from reporting.alerts.webhook import post_webhook, webhook_host

log = logging.getLogger(__name__)

EMAIL, WEBHOOK, NO_CHANNEL = "email", "webhook", "none"
SENT, FAILED, NOT_SENT = "sent", "failed", "not_sent"

# Stands for the Office when there is no alerts.yaml (and so no assignment table).
UNASSIGNED = Recipient(
    staff_id="unassigned",
    full_name="Văn phòng Điều phối",
    role="(chưa có alerts.yaml / no alerts.yaml)",
    email="",
    webhook_url=None,
    provinces=None,
    projects=None,
)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one channel of one message; `target` never holds a webhook's path."""

    staff_id: str
    channel: str  # email | webhook | none
    target: str  # e-mail address, or the webhook's host
    status: str  # sent | failed | not_sent
    error: str | None = None


@dataclass(frozen=True)
class AlertMessage:
    """One digest for one recipient and how each of its channels fared."""

    recipient: Recipient
    digest: Digest
    deliveries: tuple[Delivery, ...]


@dataclass
class DispatchReport:
    """What one run sent (or, without alerts.yaml, would have sent), for the log and the page."""

    ran_at: datetime
    is_dry_run: bool
    open_keys: list[str] = field(default_factory=list)
    messages: list[AlertMessage] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)  # open keys not due for anyone
    resolved: list[str] = field(default_factory=list)  # keys that left the open set this run

    @property
    def deliveries(self) -> list[Delivery]:
        return [d for m in self.messages for d in m.deliveries]

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == FAILED]

    def summary(self) -> str:
        """One line for the run log; names no person and no address."""
        sent = sum(d.status == SENT for d in self.deliveries)
        prefix = "alerts not sent (no alerts.yaml): " if self.is_dry_run else "alerts: "
        return (
            f"{prefix}{len(self.open_keys)} open problem(s), {len(self.messages)} message(s), "
            f"{sent} delivered, {len(self.failures)} failed, {len(self.suppressed)} suppressed, "
            f"{len(self.resolved)} resolved"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ran_at": self.ran_at.isoformat(),
            "is_dry_run": self.is_dry_run,
            "open_keys": list(self.open_keys),
            "suppressed": list(self.suppressed),
            "resolved": list(self.resolved),
            "messages": [
                {
                    "staff_id": m.recipient.staff_id,
                    "role": m.recipient.role,
                    "language": m.digest.language,
                    "subject": m.digest.subject,
                    "problems": m.digest.problems(),
                    "deliveries": [d.__dict__.copy() for d in m.deliveries],
                }
                for m in self.messages
            ],
        }


class AlertDispatcher:
    """Routes, de-duplicates and delivers quality alerts; pure Python, no orchestration."""

    def __init__(
        self,
        settings: AlertSettings | None,
        state_path: Path,
        now: Callable[[], datetime] | datetime | None = None,
        *,
        assignments: AssignmentTable | None = None,
        province_names: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.state_path = Path(state_path)
        if isinstance(now, datetime):
            fixed = now
            self._now: Callable[[], datetime] = lambda: fixed
        else:
            self._now = now or (lambda: datetime.now(UTC))
        self.province_names = dict(province_names or {})
        if assignments is None and settings is not None:
            assignments = AssignmentTable.from_csv(settings.assignments)
        self.assignments = assignments

    def dispatch(self, open_findings: list[Finding]) -> DispatchReport:
        """Send this run's digests; the state moves on only for channels that delivered."""
        now = self._now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)  # the state compares aware times
        unique: dict[str, Finding] = {}
        for finding in open_findings:
            unique.setdefault(finding.key, finding)  # the caller may repeat a problem
        findings = list(unique.values())
        if self.settings is None:
            return self._dry_run(findings, now)
        assert self.assignments is not None  # loaded from the settings
        state = AlertState.load(self.state_path)
        report = DispatchReport(ran_at=now, is_dry_run=False, open_keys=[f.key for f in findings])
        plan = self._plan_open(findings, state, now, report)
        self._plan_resolved({f.key for f in findings}, state, now, plan, report)
        try:
            for recipient in self.assignments.recipients:
                for notices, channels in _same_content(plan.get(recipient.staff_id, {})):
                    message = self._deliver(recipient, notices, channels, state, now)
                    report.messages.append(message)
        finally:
            # Whatever was delivered stays delivered, even if a later recipient broke the run.
            for key in [k for k, p in state.problems.items() if p.resolved_at and not p.recipients]:
                del state.problems[key]  # every resolved notice delivered: forget it
            state.save(self.state_path)
        for failure in report.failures:
            log.warning("alert for %s not delivered: %s", failure.staff_id, failure.error)
        log.info(report.summary())
        return report

    def channels_of(self, recipient: Recipient) -> list[str]:
        channels = []
        if self.settings is not None and self.settings.email is not None:
            channels.append(EMAIL)
        if self.settings is not None and self.settings.webhooks and recipient.webhook_url:
            channels.append(WEBHOOK)
        return channels or [NO_CHANNEL]

    def _plan_open(
        self, findings: list[Finding], state: AlertState, now: datetime, report: DispatchReport
    ) -> dict[str, dict[str, list[Notice]]]:
        assert self.settings is not None and self.assignments is not None
        interval = timedelta(hours=self.settings.suppression_hours)
        plan: dict[str, dict[str, list[Notice]]] = {}
        for finding in findings:
            problem = state.problems.get(finding.key)
            if problem is None:
                problem = ProblemState(finding=finding, first_seen=now, last_seen=now)
                state.problems[finding.key] = problem
            problem.finding, problem.last_seen, problem.resolved_at = finding, now, None
            is_due_somewhere = False
            for recipient in self.assignments.recipients_of(finding):
                for channel in self.channels_of(recipient):
                    last = problem.sent_at(recipient.staff_id, channel)
                    if last is not None and now - last < interval:
                        continue
                    kind = NEW if last is None else REMINDER
                    notice = Notice(finding, kind, problem.first_seen)
                    plan.setdefault(recipient.staff_id, {}).setdefault(channel, []).append(notice)
                    is_due_somewhere = True
            if not is_due_somewhere:
                report.suppressed.append(finding.key)
        return plan

    def _plan_resolved(
        self,
        open_keys: set[str],
        state: AlertState,
        now: datetime,
        plan: dict[str, dict[str, list[Notice]]],
        report: DispatchReport,
    ) -> None:
        assert self.assignments is not None
        for key, problem in state.problems.items():
            if key in open_keys:
                continue
            if problem.resolved_at is None:
                problem.resolved_at = now
                report.resolved.append(key)
            for staff_id, channels in list(problem.recipients.items()):
                recipient = self.assignments.by_staff_id(staff_id)
                reachable = self.channels_of(recipient) if recipient else []
                for channel in list(channels):
                    if channel not in reachable:
                        problem.forget(staff_id, channel)  # left the table: no one to tell
                        continue
                    notice = Notice(problem.finding, RESOLVED, problem.first_seen)
                    plan.setdefault(staff_id, {}).setdefault(channel, []).append(notice)

    def _deliver(
        self,
        recipient: Recipient,
        notices: tuple[Notice, ...],
        channels: list[str],
        state: AlertState,
        now: datetime,
    ) -> AlertMessage:
        digest = render_digest(recipient, notices, province_names=self.province_names)
        deliveries = []
        for channel in channels:
            target = _target(recipient, channel)
            try:
                self._send(recipient, channel, digest)
            except MtqgError as exc:
                deliveries.append(Delivery(recipient.staff_id, channel, target, FAILED, str(exc)))
                continue
            deliveries.append(Delivery(recipient.staff_id, channel, target, SENT))
            for notice in notices:
                problem = state.problems[notice.finding.key]
                if notice.kind == RESOLVED:
                    problem.forget(recipient.staff_id, channel)
                else:
                    problem.mark_sent(recipient.staff_id, channel, now)
        return AlertMessage(recipient, digest, tuple(deliveries))

    def _send(self, recipient: Recipient, channel: str, digest: Digest) -> None:
        assert self.settings is not None
        if channel == EMAIL and self.settings.email is not None:
            send_email(self.settings.email, recipient.email, digest.subject, digest.body)
        elif channel == WEBHOOK and recipient.webhook_url:
            payload = {
                "text": digest.chat_text,
                "recipient": recipient.staff_id,
                "problems": digest.problems(),
            }
            post_webhook(
                recipient.webhook_url,
                payload,
                timeout=self.settings.webhook_timeout_seconds,
                retries=self.settings.webhook_retries,
            )
        else:
            raise DeliveryError(
                "alert",
                recipient.staff_id,
                "no way to reach this person: alerts.yaml has no email section and the "
                "assignment table gives no webhook_url; add one of them",
            )

    def _dry_run(self, findings: list[Finding], now: datetime) -> DispatchReport:
        report = DispatchReport(ran_at=now, is_dry_run=True, open_keys=[f.key for f in findings])
        routed = self.assignments.route(findings) if self.assignments else {}
        if not self.assignments and findings:
            routed = {UNASSIGNED: findings}
        for recipient, assigned in routed.items():
            notices = tuple(Notice(f, NEW) for f in assigned)
            digest = render_digest(recipient, notices, province_names=self.province_names)
            delivery = Delivery(
                recipient.staff_id,
                NO_CHANNEL,
                recipient.email or "-",
                NOT_SENT,
                "no alerts.yaml in MTQG_HOME: alerts are shown on the quality page only",
            )
            report.messages.append(AlertMessage(recipient, digest, (delivery,)))
        return report


def _same_content(
    by_channel: dict[str, list[Notice]],
) -> list[tuple[tuple[Notice, ...], list[str]]]:
    """Channels due the same notices share one digest (the usual case: e-mail and chat)."""
    grouped: dict[tuple[Notice, ...], list[str]] = {}
    for channel, notices in by_channel.items():
        grouped.setdefault(tuple(notices), []).append(channel)
    return list(grouped.items())


def _target(recipient: Recipient, channel: str) -> str:
    if channel == EMAIL:
        return recipient.email
    if channel == WEBHOOK and recipient.webhook_url:
        return webhook_host(recipient.webhook_url)
    return "-"
