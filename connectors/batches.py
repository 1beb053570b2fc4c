"""What a reader makes of landed payloads: batches, ready to be written to the warehouse.

A batch is one landed file (a provincial report, an IATI file, a reference file) or one finished
API pull (the pages its manifest lists). Readers fill in its rows per raw table; the warehouse's
batch writer stamps every row with the batch and writes it. Readers never touch the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from connectors.landing import LandedFile
from core.errors import InputRejected


@dataclass(frozen=True)
class Problem:
    """Something wrong in a batch, located precisely; blocking problems quarantine it."""

    reason: str
    sheet: str | None = None
    row: int | None = None
    check: str = "read"  # read | reconciliation | province | period | duplicate | schema ...
    blocking: bool = True

    def describe(self) -> str:
        where = ", ".join(
            p for p in (self.sheet and f"sheet {self.sheet}", self.row and f"row {self.row}") if p
        )
        return f"{where}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class LandedUnit:
    """The landed payloads that make one batch: one file, or a pull's manifest and its pages."""

    batch_id: str
    landed: LandedFile  # the file itself, or the pull's manifest
    pages: tuple[LandedFile, ...] = ()
    missing_pages: tuple[str, ...] = ()  # sha256 of pages the manifest lists but landing lacks

    def whole_pages(self) -> tuple[LandedFile, ...]:
        """A pull's pages; InputRejected when landing lacks some the manifest lists."""
        if self.missing_pages:
            shown = ", ".join(m[:12] for m in self.missing_pages)
            raise InputRejected(f"pages {shown} of this pull are not in landing")
        return self.pages

    @property
    def name(self) -> str:
        """How the sender called it (never the landing hash when a name is known)."""
        return self.landed.original_name or self.landed.url or self.landed.path.name

    @property
    def is_one_file(self) -> bool:
        return not self.pages and self.landed.extra.get("role") != PULL_MANIFEST

    @property
    def arrived_at(self) -> datetime:
        """When the payload reached landing: the batch's time, so a replay reproduces raw."""
        return datetime.fromisoformat(self.landed.fetched_at).astimezone(UTC)


PULL_MANIFEST = "pull_manifest"
UNREADABLE = "unreadable"


@dataclass
class Batch:
    """One batch as read: where it came from, its rows per raw table, and what was wrong."""

    unit: LandedUnit
    source: str
    source_kind: str
    dataset: str
    original_name: str | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)  # raw table -> rows
    rows_read: int = 0
    rows_loaded: int = 0
    problems: list[Problem] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)  # (province name, period)
    slices: list[tuple[str, str]] = field(default_factory=list)  # (2025 province code, period)

    @property
    def batch_id(self) -> str:
        return self.unit.batch_id

    @property
    def source_file_sha256(self) -> str | None:
        """The file a one-file batch is; pulls keep each row's page in the row itself."""
        return self.unit.landed.sha256 if self.unit.is_one_file else None

    @property
    def is_readable(self) -> bool:
        return not any(p.check == "read" for p in self.problems)

    def refuse(self, reason: str, *, sheet: str | None = None, row: int | None = None) -> Batch:
        """Make this an unreadable batch: no rows, one blocking problem saying why."""
        self.dataset = UNREADABLE
        self.tables = {}
        self.rows_loaded = 0
        self.problems.append(Problem(reason=reason, sheet=sheet, row=row, check="read"))
        return self
