"""Blocking suites on whole marts (not batches): the report is only built when they pass."""

from __future__ import annotations

from pathlib import Path

from expectations.runner import ValidationOutcome, validate
from warehouse import queries
from warehouse.connection import connect


def check_capital_progress(warehouse: Path) -> tuple[int, ValidationOutcome]:
    """Suite fct_capital_progress on the whole mart; returns its rows and the outcome."""
    with connect(warehouse, read_only=True) as con:
        frame = queries.arrow(con, "capital_progress_mart").to_pandas()
        codes = [code for code, _ in queries.rows(con, "current_provinces")]
    outcome = validate("fct_capital_progress", frame, params={"province_codes_2025": codes})
    return len(frame), outcome
