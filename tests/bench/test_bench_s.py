"""The S-scale benchmark end to end (no timing asserted): synthetic files in the real formats
through the readers, both dbt builds, the gate and the plain-DuckDB baseline, then the two
whole-pipeline phases — `mtqg run` of a fresh home with every file, and one more file by
`mtqg ingest` into it (the incremental path) — each phase in its own process as `make bench`
runs them. The two pipeline phases cost ~80 CPU-s (131 CPU-s in all, 266 s wall at load 4–6,
2026-12-01), paid for by the suite's cuts of that day (bytecode kept, the hostile corpus's
imports, one sqlfluff render)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_s_benchmark_runs_every_phase_and_the_baseline_agrees_with_dbt(tmp_path):
    work = tmp_path / "bench"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MTQG_", "DAGSTER_"))}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--scale", "S", "--work", str(work),
         "--no-write"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=850,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    account = json.loads((work / "bench.json").read_text())
    phases = {p["name"]: p for p in account["phases"]}
    assert all(p["ok"] for p in phases.values()), done.stdout
    assert {
        "generate",
        "ingest/form01",
        "ingest/form02",
        "ingest/flat_csv",
        "ingest/treasury",
        "ingest/iati",
        "dbt_harmonise",
        "gate",
        "dbt_marts",
        "baseline",
        "mtqg_run",
        "incremental",
    } <= phases.keys()
    assert all(p["peak_rss_mb"] > 0 for p in phases.values())
    # both pipeline runs exited cleanly and republished the report; the extra file was taken
    for name in ("mtqg_run", "incremental"):
        assert phases[name]["figures"]["exit"] == 0, phases[name]
        assert phases[name]["figures"]["report_written"], phases[name]
    assert any("1 new" in step for step in phases["incremental"]["figures"]["steps"])

    # every format was read into rows
    for fmt in ("form01", "form02", "flat_csv", "treasury", "iati"):
        assert phases[f"ingest/{fmt}"]["figures"]["rows"] > 0, fmt
    # the commune-level CSV rows break the contract's one-row-per-province key: quarantined;
    # the Form 01 and Form 02 files are accepted
    verdicts = phases["gate"]["figures"]["verdicts"]
    csv_files = phases["ingest/flat_csv"]["figures"]["files"]
    assert verdicts.get("quarantined") == csv_files
    assert verdicts.get("accepted", 0) >= phases["ingest/form01"]["figures"]["files"]

    # the baseline built the same marts as dbt, and no data test fails on it
    baseline = phases["baseline"]["figures"]
    assert baseline["marts_differing_from_dbt"] == []
    assert baseline["failing_tests"] == 0
    assert baseline["mart_rows"]["fct_capital_progress"] > 0

    # the data say they are synthetic
    form01 = next((work / "data" / "form01").iterdir())
    cells = CalamineWorkbook.from_path(str(form01)).get_sheet_by_index(0).to_python()
    assert any("SYNTHETIC" in str(c) for row in cells[:6] for c in row)
    csv_text = next((work / "data" / "csv").iterdir()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].endswith(",synthetic")
