"""Benchmark: validating one provincial batch with its Great Expectations suite.

Prints the first call (GX import, context) and the best of later calls on a 100-row batch.
Run: `.venv/bin/python bench/bench_gate.py [--rows 100]`.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import pandas as pd

from expectations.runner import validate


def batch(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch_id": ["b1"] * rows,
            "source_file_sha256": ["b1"] * rows,
            "source_sheet": ["Bieu01"] * rows,
            "source_row": list(range(12, 12 + rows)),
            "form": ["form01"] * rows,
            "province_code": ["15"] * rows,
            "province_code_as_reported": ["10"] * rows,
            "admin_era": ["2008"] * rows,
            "period": ["2024-Q3"] * rows,
            "period_end_date": [date(2024, 9, 30)] * rows,
            "project_code": [f"DA{1 + i % 10}" for i in range(rows)],
            "subproject_code": [f"sub{i}" for i in range(rows)],
            "budget_source": ["central"] * rows,
            "capital_type": ["investment"] * rows,
            "planned_vnd": [1_000_000_000] * rows,
            "disbursed_vnd": [500_000_000] * rows,
            "is_known_province": [True] * rows,
            "is_known_programme_code": [True] * rows,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100)
    args = parser.parse_args()
    frame = batch(args.rows)
    started = time.perf_counter()
    outcome = validate("provincial_progress_batch", frame)
    first = time.perf_counter() - started
    later = []
    for _ in range(5):
        started = time.perf_counter()
        validate("provincial_progress_batch", frame)
        later.append(time.perf_counter() - started)
    print(
        f"{args.rows} rows, passed={outcome.passed}: first {first:.2f} s, "
        f"later best {min(later):.2f} s"
    )


if __name__ == "__main__":
    main()
