"""What a run did, read back from the warehouse and the run's events, for people to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from core.errors import MtqgError
from core.home import Home
from warehouse.accounts import WarehouseAccount, account


@dataclass
class RunSummary:
    succeeded: bool
    wall_seconds: float
    mart_rows: dict[str, int] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)  # status -> count
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file, reasons)
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (source, outcome)
    reports: list[Path] = field(default_factory=list)
    log_file: Path | None = None  # the command's full log (Dagster, dbt, Python logging)
    unreadable: str | None = None  # why the warehouse's figures could not be read back


def summarise(
    home: Home, result: dg.ExecuteInProcessResult | None, wall_seconds: float
) -> RunSummary:
    """What the run did (failed steps and checks, sources' outcomes) and what the warehouse
    now holds (rows per mart, verdicts), with the reports written."""
    summary = RunSummary(succeeded=bool(result and result.success), wall_seconds=wall_seconds)
    if result is not None:
        summary.failed_steps = sorted(
            {e.step_key for e in result.get_step_failure_events() if e.step_key}
        )
        summary.sources = _source_outcomes(result)
        summary.failed_checks = sorted(
            f"{'/'.join(ev.asset_key.path)}:{ev.check_name}"
            for ev in result.get_asset_check_evaluations()
            if not ev.passed
        )
    try:
        held = account(home.warehouse)
    except MtqgError as exc:  # a failed step may still hold the warehouse: say so, go on
        summary.unreadable = str(exc)
        held = WarehouseAccount()
    summary.mart_rows, summary.batches, summary.quarantined = (
        held.mart_rows,
        held.batches,
        held.quarantined,
    )
    latest = home.reports / "bao_cao_tien_do_latest.xlsx"
    if latest.exists():
        summary.reports.append(latest)
    quality_page = home.reports / "quality" / "index.html"
    if quality_page.exists():
        summary.reports.append(quality_page)
    return summary


def _source_outcomes(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    """One line per source fetched in the run: what landed, or why it failed."""
    outcomes = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        path = materialization.asset_key.path
        if path[0] != "landing":
            continue
        meta = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
        if "error" in meta:
            outcomes[path[1]] = f"FAILED: {meta['error']}"
        else:
            outcomes[path[1]] = (
                f"{meta.get('new', 0)} new, {meta.get('unchanged', 0)} unchanged"
                + (f", {meta['refused']} refused" if meta.get("refused") else "")
            )
    return sorted(outcomes.items())
