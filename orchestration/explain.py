"""`mtqg explain`: the source rows, files and batches behind one cell of a report, and their sum."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.home import Home
from orchestration.console import clean, terminal

console = terminal()

COLUMNS = (
    "amount_vnd",
    "counted",
    "points",
    "source_kind",
    "batch_id",
    "source_name",
    "source_file_sha256",
    "source_sheet",
    "source_row",
    "source_record_id",
    "household_pseudonym",
    "derivation",
)


def explain(
    province: Annotated[str, typer.Argument(help="Province, 2025 code (e.g. 51); '-' for none.")],
    period: Annotated[
        str,
        typer.Argument(
            help="Period as the report shows it: 2025-Q3, 2025 …; '-' for none (donors, norms)."
        ),
    ],
    project: Annotated[
        str,
        typer.Argument(
            help="Code of the cell: project (DA1 …), sub-project in rpt_progress_by_subproject "
            "and fct_progress_restatements, '-' for none (national and per-province totals, "
            "an unmapped donor activity, norms, beneficiaries); HP2 … with --structure 2026."
        ),
    ],
    measure: Annotated[
        str,
        typer.Argument(help="Column of the cell: planned_vnd, disbursed_vnd, households …"),
    ],
    report: Annotated[
        str,
        typer.Option(
            "--report",
            help="The report table the cell is in: rpt_progress_by_province, "
            "rpt_progress_by_province_period, rpt_progress_by_subproject, rpt_national_summary, "
            "mart_programme_progress (period = year), fct_donor_transactions, "
            "fct_beneficiary_support, rpt_donor_mobilisation, mart_source_reconciliation, "
            "mart_allocation_norms, rpt_beneficiary_review_by_province (period = year), "
            "fct_progress_restatements.",
        ),
    ] = "rpt_progress_by_province",
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The sheet's further key: the donor (rpt_donor_mobilisation), the comparison "
            "(mart_source_reconciliation), the decision (mart_allocation_norms), "
            "'<new batch>|<unit as reported>|<measure>|<budget source>|<capital type>' "
            "(fct_progress_restatements).",
        ),
    ] = None,
    structure: Annotated[
        str, typer.Option("--structure", help="1719 (phase I codes) or 2026 (2026–2035 codes).")
    ] = "1719",
    home: Annotated[Path | None, typer.Option("--home", help="The mtqg home directory.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Rows and sum as JSON.")] = False,
) -> None:
    """List the source rows, files and batches a report cell sums, and their sum."""
    from warehouse.connection import connect
    from warehouse.lineage import explain_cell

    if structure not in ("1719", "2026"):
        raise typer.BadParameter("--structure is 1719 or 2026")
    h = Home.resolve(home)
    with connect(h.warehouse, read_only=True) as con:
        cell = explain_cell(
            con,
            report=report,
            province_code=None if province == "-" else province,
            period=None if period == "-" else period,
            code=None if project == "-" else project,
            measure=measure,
            key=key,
            structure_2026=structure == "2026",
        )
    if as_json:
        payload = {
            "report": report,
            "province_code": cell.province_code,
            "period": period,
            "code": cell.code,
            "measure": measure,
            "key": key,
            "unit": cell.unit,
            "total": cell.total,
            "total_vnd": cell.total_vnd,
            "files": cell.files,
            "batches": cell.batches,
            "rows": cell.rows,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=1) + "\n")
        return
    if not cell.rows:
        console.print(
            f"Không có dòng nguồn nào cho ô này / no source row for {clean(report)} "
            f"{clean(province)} {clean(period)} {clean(project)} {clean(measure)}"
            + (f" {clean(key)}" if key else "")
        )
        raise typer.Exit(1)
    shown = [c for c in COLUMNS if any(row.get(c) is not None for row in cell.rows)]
    table = Table(*shown)
    for row in cell.rows:
        table.add_row(*["" if row.get(c) is None else clean(row.get(c)) for c in shown])
    console.print(table)
    unit = {"vnd": "đồng", "count": "(đếm / count)", "points": "điểm / points"}[cell.unit]
    console.print(
        f"Tổng / sum: {cell.total:,} {unit} — {len(cell.rows)} dòng nguồn / source rows, "
        f"{len(cell.files)} tệp / files, {len(cell.batches)} lô / batches"
    )
    if cell.is_computed:
        console.print(
            "Số liệu tính toán, không phải tổng các dòng nguồn: xem cột derivation / a computed "
            "figure, not a sum of source rows: see its derivation"
        )
