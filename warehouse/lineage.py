"""What a report cell is made of: the source rows, files and batches it sums (marts
`lineage_report_cells` and, in the 2026–2035 structure, `mart_figures_2026_structure`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

from warehouse import queries


@dataclass
class CellExplanation:
    """The rows behind one cell, their total, and the distinct files and batches they come from.
    A count's rows carry `counted` (1 counted, 0 listed), normative points `points`; a figure
    computed rather than summed is a row whose `source_kind` is 'computed' with its `derivation`."""

    report: str
    province_code: str | None
    period: str | None
    code: str | None
    measure: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    key: str | None = None

    @property
    def total_vnd(self) -> int:
        return sum(int(r["amount_vnd"] or 0) for r in self.rows)

    @property
    def unit(self) -> str:
        """'vnd' for money, 'count' for counts of lines, households or activities, 'points'."""
        if any(r.get("points") is not None for r in self.rows):
            return "points"
        if any(r.get("counted") is not None for r in self.rows):
            return "count"
        return "vnd"

    @property
    def total(self) -> int | Decimal:
        """The cell: the sum of the rows' amounts, counts or points."""
        if self.unit == "points":
            return sum((Decimal(r["points"] or 0) for r in self.rows), Decimal(0))
        if self.unit == "count":
            return sum(int(r["counted"] or 0) for r in self.rows)
        return self.total_vnd

    @property
    def is_computed(self) -> bool:
        """Whether a row of the cell is a computed figure rather than a source row."""
        return any(r.get("source_kind") in ("computed", "seed") for r in self.rows)

    @property
    def files(self) -> list[str]:
        return sorted({r["source_file_sha256"] for r in self.rows if r["source_file_sha256"]})

    @property
    def batches(self) -> list[str]:
        return sorted({r["batch_id"] for r in self.rows if r["batch_id"]})


def explain_cell(
    con: duckdb.DuckDBPyConnection,
    *,
    report: str,
    province_code: str | None,
    period: str | None,
    code: str | None,
    measure: str,
    key: str | None = None,
    structure_2026: bool = False,
) -> CellExplanation:
    """The source rows of one report cell (`code` is a phase I project, or with
    `structure_2026` a 2026–2035 component or content; `key` the sheet's further key: donor,
    comparison, decision or restated leaf)."""
    params = [report, province_code, period, code, measure]
    if structure_2026:
        rows = queries.records(con, "explain_cell_2026", params)
    else:
        rows = queries.records(con, "explain_cell", [*params, key])
    return CellExplanation(report, province_code, period, code, measure, rows, key)
