"""The Steering Committee's progress report for one period, from gated marts only: an Excel
workbook (`report_workbook`) and the same content as an HTML page with SVG charts
(`report_page`), both written atomically, each also as `bao_cao_tien_do_latest.*`.

The report's period is the one asked for, or the latest with accepted figures. "Restatements since
the previous report" are those after the previous workbook in the same folder was made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.files import atomic_path, write_bytes_atomically, write_text_atomically
from reporting.report_data import read_report
from reporting.report_page import render_page
from reporting.report_sheets import CAVEATS
from reporting.report_workbook import WORKBOOK_OPTIONS, write_workbook

__all__ = ["WORKBOOK_OPTIONS", "ReportWritten", "write_progress_report"]

_STAMP = "%Y%m%dT%H%M%SZ"
_STAMPED = re.compile(r"bao_cao_tien_do_(\d{8}T\d{6}Z)\.xlsx")


@dataclass(frozen=True)
class ReportWritten:
    path: Path
    rows: int
    excluded_batches: int
    html: Path
    period: str | None


def write_progress_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, period: str | None = None
) -> ReportWritten:
    """Write `bao_cao_tien_do_<timestamp>.xlsx` and `.html` (and `bao_cao_tien_do_latest.*`) in
    out_dir, for `period` (`2026-Q1`, `2026-H1`, `2026`) or the latest accepted one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    stamp = now.strftime(_STAMP)
    data = read_report(con, period, previous_report_at(out_dir, before=now))
    target = out_dir / f"bao_cao_tien_do_{stamp}.xlsx"
    with atomic_path(target) as tmp:
        write_workbook(tmp, data, stamp)
    write_bytes_atomically(out_dir / "bao_cao_tien_do_latest.xlsx", target.read_bytes())
    page = render_page(data, now.strftime("%d/%m/%Y %H:%M UTC"))
    html = out_dir / f"bao_cao_tien_do_{stamp}.html"
    write_text_atomically(html, page)
    write_text_atomically(out_dir / "bao_cao_tien_do_latest.html", page)
    return ReportWritten(
        target, len(data.progress), len(data.sheets[CAVEATS.name].rows), html, data.period
    )


def previous_report_at(out_dir: Path, before: datetime) -> datetime | None:
    """When the latest earlier workbook in the folder was made (from its name), or None."""
    stamps = [
        datetime.strptime(m.group(1), _STAMP).replace(tzinfo=UTC)
        for p in out_dir.glob("bao_cao_tien_do_*.xlsx")
        if (m := _STAMPED.fullmatch(p.name))
    ]
    earlier = [s for s in stamps if s < before]
    return max(earlier) if earlier else None
