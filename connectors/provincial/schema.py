"""The shape every provincial report reader returns: one parsed report and its lines.

`raw.provincial_report_lines` in the warehouse is exactly `LINE_SCHEMA` plus the batch
columns (`batch_id`, `source_file_sha256`, `loaded_at`) added by the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

from connectors.batches import Problem

# One row per data row of the report (leaves *and* subtotals, so nothing read is lost).
# Amounts are integer đồng (already scaled from the stated unit); null where the cell is empty.
LINE_SCHEMA = pa.schema(
    [
        ("source_sheet", pa.string()),
        ("source_row", pa.int32()),  # 1-based row number as Excel shows it (CSV: line number)
        ("line_kind", pa.string()),  # grand_total | budget_source | project | subproject
        ("parent_source_row", pa.int32()),
        ("is_leaf", pa.bool_()),
        ("budget_source", pa.string()),  # central | local | null (grand total)
        ("project_code", pa.string()),  # DA3
        ("subproject_code", pa.string()),  # DA3.1
        ("label", pa.string()),  # the row's text as written (NFC)
        ("planned_total_vnd", pa.int64()),
        ("planned_investment_vnd", pa.int64()),
        ("planned_recurrent_vnd", pa.int64()),
        ("disbursed_total_vnd", pa.int64()),
        ("disbursed_investment_vnd", pa.int64()),
        ("disbursed_recurrent_vnd", pa.int64()),
    ]
)


@dataclass(frozen=True)
class ResolvedProvince:
    """A province as the report names it, placed in its administrative era."""

    name: str  # canonical name with diacritics, e.g. "Lào Cai"
    admin_era: str  # "2008" (63 provinces) or "2025" (34 provinces)
    code_as_reported: str  # the code of that era, e.g. "10"
    code_2025: str  # the province it belongs to now, e.g. "15"


@dataclass(frozen=True)
class Period:
    """A reporting period: label of the warehouse contract and its last day."""

    label: str  # 2024-Q3 | 2024-H1 | 2024-9M | 2024 | 2024-09
    end_date: date
    year: int


@dataclass
class ParsedReport:
    """What a reader made of one file: who sent it, for when, and every line read."""

    form: str  # form01 | flat_csv
    sender_name: str
    province: ResolvedProvince
    period: Period
    unit: str  # as stated, e.g. "triệu đồng"
    unit_vnd: int  # đồng per unit, e.g. 1_000_000
    tolerance_vnd: int  # one unit of the stated precision, in đồng
    lines: pa.Table  # LINE_SCHEMA
    rows_read: int  # data rows read from the file (lines + rows skipped as non-data)
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_acceptable(self) -> bool:
        return not any(p.blocking for p in self.problems)
