"""What a report cell is made of: the source rows, files and batches it sums (marts
`lineage_report_cells` and, in the 2026–2035 structure, `mart_figures_2026_structure`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from warehouse import queries


@dataclass
class CellExplanation:
    """The rows behind one cell, their total, and the distinct files and batches they come from."""

    report: str
    province_code: str | None
    period: str
    code: str | None
    measure: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_vnd(self) -> int:
        return sum(int(r["amount_vnd"] or 0) for r in self.rows)

    @property
    def files(self) -> list[str]:
        return sorted({r["source_file_sha256"] for r in self.rows if r["source_file_sha256"]})

    @property
    def batches(self) -> list[str]:
        return sorted({r["batch_id"] for r in self.rows})


def explain_cell(
    con: duckdb.DuckDBPyConnection,
    *,
    report: str,
    province_code: str | None,
    period: str,
    code: str | None,
    measure: str,
    structure_2026: bool = False,
) -> CellExplanation:
    """The source rows of one report cell (`code` is a phase I project, or with
    `structure_2026` a 2026–2035 component or content)."""
    name = "explain_cell_2026" if structure_2026 else "explain_cell"
    rows = queries.records(con, name, [report, province_code, period, code, measure])
    return CellExplanation(report, province_code, period, code, measure, rows)
