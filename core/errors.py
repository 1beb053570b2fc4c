"""One base error for the whole pipeline, and one subclass per kind of failure.

Messages speak to the person who must act: they name the source, file, sheet or row,
and what is wrong, never a secret.
"""

from __future__ import annotations


class MtqgError(Exception):
    """Base of every error raised by mtqg."""


class ConfigError(MtqgError):
    """A configuration file (sources.yaml, alerts.yaml) is missing something or is wrong."""


class SourceError(MtqgError):
    """A source could not be reached or answered wrongly after its retries."""

    def __init__(self, source: str, url: str, reason: str) -> None:
        self.source, self.url, self.reason = source, url, reason
        super().__init__(f"source {source!r} at {url}: {reason}")


class LandingError(MtqgError):
    """A payload could not be stored in the landing zone."""


class InputRejected(MtqgError):
    """An input cannot be loaded as it is; it goes to quarantine with this reason.

    `location` names where the problem is (file, sheet, row) so an officer can find it.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
    ) -> None:
        self.reason, self.file, self.sheet, self.row = reason, file, sheet, row
        super().__init__(self.describe())

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)

    def describe(self) -> str:
        return f"{self.location}: {self.reason}" if self.location else self.reason


class ReportReadError(InputRejected):
    """A provincial report (Form 01, flat CSV, Form 02) cannot be read."""


class PersonalDataError(InputRejected):
    """Personal data cannot be pseudonymised (for example: no key configured)."""


class DeliveryError(MtqgError):
    """An alert could not be delivered (e-mail server or chat webhook).

    `target` is the SMTP host or the webhook's host, never a full URL (it may hold a token).
    """

    def __init__(self, channel: str, target: str, reason: str) -> None:
        self.channel, self.target, self.reason = channel, target, reason
        super().__init__(f"{channel} to {target}: {reason}")
