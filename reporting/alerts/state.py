"""What was already notified, to whom and when: a small JSON file rewritten atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.files import write_json_atomically
from reporting.alerts.findings import Finding
from reporting.alerts.messages import scrub

STATE_VERSION = 1


@dataclass
class ProblemState:
    """One problem: when it was first seen, and when each recipient's channel last heard of it.

    `recipients` maps staff_id → channel → last sent. `resolved_at` is set once the problem has
    left the open set; it stays until every recipient who heard of it got the resolved notice.
    """

    finding: Finding
    first_seen: datetime
    last_seen: datetime
    recipients: dict[str, dict[str, datetime]] = field(default_factory=dict)
    resolved_at: datetime | None = None

    @property
    def last_sent(self) -> datetime | None:
        sent = [at for channels in self.recipients.values() for at in channels.values()]
        return max(sent, default=None)

    def sent_at(self, staff_id: str, channel: str) -> datetime | None:
        return self.recipients.get(staff_id, {}).get(channel)

    def mark_sent(self, staff_id: str, channel: str, at: datetime) -> None:
        self.recipients.setdefault(staff_id, {})[channel] = at

    def forget(self, staff_id: str, channel: str) -> None:
        channels = self.recipients.get(staff_id, {})
        channels.pop(channel, None)
        if not channels:
            self.recipients.pop(staff_id, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "last_sent": self.last_sent.isoformat() if self.last_sent else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "recipients": {
                staff: {channel: at.isoformat() for channel, at in channels.items()}
                for staff, channels in sorted(self.recipients.items())
            },
            "finding": _scrubbed(self.finding.to_json()),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProblemState:
        return cls(
            finding=Finding.from_json(data["finding"]),
            first_seen=datetime.fromisoformat(data["first_seen"]),
            last_seen=datetime.fromisoformat(data["last_seen"]),
            recipients={
                staff: {channel: datetime.fromisoformat(at) for channel, at in channels.items()}
                for staff, channels in data.get("recipients", {}).items()
            },
            resolved_at=(
                datetime.fromisoformat(data["resolved_at"]) if data.get("resolved_at") else None
            ),
        )


@dataclass
class AlertState:
    """Every problem the dispatcher still remembers, by finding key."""

    problems: dict[str, ProblemState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> AlertState:
        """The saved state, or an empty one when the file does not exist yet."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r} is not {STATE_VERSION}")
            problems = {k: ProblemState.from_json(v) for k, v in data["problems"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Starting afresh silently would re-send every open problem to everyone.
            raise ConfigError(
                f"alert state {path} is damaged ({type(exc).__name__}: {exc}); restore it from "
                f"backup, or delete it to start afresh (every open problem is then re-sent)"
            ) from None
        return cls(problems)

    def save(self, path: Path) -> None:
        """Write to a temporary file beside the target, then rename: never half a file."""
        data = {
            "version": STATE_VERSION,
            "problems": {key: p.to_json() for key, p in sorted(self.problems.items())},
        }
        write_json_atomically(Path(path), data)


def _scrubbed(finding: dict[str, Any]) -> dict[str, Any]:
    # The state sits outside the personal zone: keep only what a digest may show.
    return {
        name: scrub(value) if name in ("message_vi", "message_en", "source") and value else value
        for name, value in finding.items()
    }
