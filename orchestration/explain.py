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
    "batch_id",
    "source_name",
    "source_file_sha256",
    "source_sheet",
    "source_row",
    "source_record_id",
)


def explain(
    province: Annotated[str, typer.Argument(help="Province, 2025 code (e.g. 51); '-' for none.")],
    period: Annotated[str, typer.Argument(help="Period as the report shows it: 2025-Q3, 2025 …")],
    project: Annotated[
        str,
        typer.Argument(
            help="Code of the cell: project (DA1 …), sub-project in rpt_progress_by_subproject, "
            "'-' for none (national and per-province totals); HP2 … with --structure 2026."
        ),
    ],
    measure: Annotated[
        str, typer.Argument(help="Column of the cell: planned_vnd, disbursed_vnd …")
    ],
    report: Annotated[
        str,
        typer.Option(
            "--report",
            help="The report table the cell is in: rpt_progress_by_province, "
            "rpt_progress_by_province_period, rpt_progress_by_subproject, rpt_national_summary, "
            "mart_programme_progress (period = year), fct_donor_transactions, "
            "fct_beneficiary_support.",
        ),
    ] = "rpt_progress_by_province",
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
            period=period,
            code=None if project == "-" else project,
            measure=measure,
            structure_2026=structure == "2026",
        )
    if as_json:
        payload = {
            "report": report,
            "province_code": cell.province_code,
            "period": period,
            "code": cell.code,
            "measure": measure,
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
        )
        raise typer.Exit(1)
    table = Table(*COLUMNS)
    for row in cell.rows:
        table.add_row(*["" if row.get(c) is None else clean(row.get(c)) for c in COLUMNS])
    console.print(table)
    console.print(
        f"Tổng / sum: {cell.total_vnd:,} đồng — {len(cell.rows)} dòng nguồn / source rows, "
        f"{len(cell.files)} tệp / files, {len(cell.batches)} lô / batches"
    )
