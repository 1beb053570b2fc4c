"""A quality finding: one open problem the Office must hear about, as produced by the checks."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

SEVERITIES = ("blocking", "run_failure", "warning")  # most urgent first


@dataclass(frozen=True)
class Finding:
    """One open problem; `key` identifies it across runs so it is notified once, not every run."""

    key: str  # e.g. "form01|15|2024-Q3|reconciliation"
    severity: str  # "blocking" | "warning" | "run_failure"
    check: str  # "reconciliation", "schema", "completeness", "outlier", "run" ...
    province_code: str | None  # 2025 province code; None when not province-specific
    project_code: str | None  # DA3 …; None when not project-specific
    period: str | None  # 2024-Q3 …
    source: str  # source or file name shown to staff (never a path with secrets)
    message_vi: str
    message_en: str
    batch_id: str | None = None
    detected_at: datetime | None = None

    def __post_init__(self) -> None:
        # Findings are the edge of the alerting code: normalise text once, here.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, unicodedata.normalize("NFC", value.strip()))
        if not self.key:
            raise ValueError("a Finding needs a non-empty key")
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"finding {self.key!r}: severity {self.severity!r} is not one of {SEVERITIES}"
            )
        object.__setattr__(self, "province_code", normalise_province_code(self.province_code))
        object.__setattr__(self, "project_code", normalise_project_code(self.project_code))
        for name in ("period", "batch_id"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["detected_at"] = self.detected_at.isoformat() if self.detected_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        values = {f.name: data.get(f.name) for f in fields(cls)}
        if values["detected_at"]:
            values["detected_at"] = datetime.fromisoformat(values["detected_at"])
        return cls(**values)


def normalise_province_code(code: str | None) -> str | None:
    """`1` and `01` are the same province: spreadsheets drop leading zeros."""
    if code is None or not str(code).strip():
        return None
    code = str(code).strip()
    return code.zfill(2) if code.isdigit() else code


def normalise_project_code(code: str | None) -> str | None:
    if code is None or not str(code).strip():
        return None
    return str(code).strip().upper()
