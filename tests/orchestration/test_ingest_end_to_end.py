"""`mtqg ingest` in an empty home, typed in another directory: a real Form 01 travels through
every layer to the marts, and the command tells it in a few lines, the full log in the home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.home import Home
from tests.orchestration.reports_in_2026_codes import assert_reached_the_marts, write_reports
from warehouse.connection import connect
from warehouse.snapshots import current_snapshot

MTQG = Path(sys.executable).parent / "mtqg"

pytestmark = pytest.mark.slow


def test_ingest_reproduces_the_truth_of_the_lao_cai_example(shared, tmp_path):
    example = shared / "sources" / "examples" / "bieu01_lao_cai_2024_q3.xlsx"
    beneficiaries = shared / "sources" / "examples" / "bieu02_dien_bien_2024_beneficiaries.xlsx"
    truth = json.loads(example.with_name("bieu01_lao_cai_2024_q3.truth.json").read_text())
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    # a folder of the package's name where the command is typed must not be imported
    (elsewhere / "orchestration").mkdir(parents=True)
    (elsewhere / "orchestration" / "__init__.py").write_text("raise SystemExit('wrong code')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MTQG_", "DAGSTER_"))}
    env.update(MTQG_HOME=str(home), MTQG_PSEUDONYM_KEY="a-key-for-tests-only")
    (tmp_path / "2026").mkdir()
    in_2026_codes = write_reports(tmp_path / "2026")  # Hợp phần rows, HP codes: the same run

    done = subprocess.run(
        [
            str(MTQG),
            "ingest",
            *(os.path.relpath(p, elsewhere) for p in (example, beneficiaries, *in_2026_codes)),
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr

    assert done.returncode == 0, output[-3000:]
    assert len(output.splitlines()) < 40, output  # a short account, not Dagster's and dbt's logs
    assert "bieu01_lao_cai_2024_q3.xlsx: accepted" in output
    assert "Lào Cai (10, era 2008) 2024-Q3" in output
    assert "bieu02_dien_bien_2024_beneficiaries.xlsx: accepted" in output
    assert "✓ dbt_harmonise" in output and "✓ quality_gate" in output
    assert "START sql" not in output and "dagster - DEBUG" not in output
    (log,) = (home / "logs").glob("ingest-*.log")
    assert f"Full log: {log}" in output
    text = log.read_text(encoding="utf-8")
    assert "Running with dbt" in text and "stg_provincial__report_lines" in text
    assert "STEP_SUCCESS" in text and "mtqg.warehouse.loading" in text
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        rows = con.execute(
            "select budget_source, project_code, subproject_code, capital_type, planned_vnd, "
            "disbursed_vnd, province_code, province_code_as_reported, admin_era, period "
            "from marts.fct_capital_progress where period = ?",
            [truth["period"]],
        ).fetchall()
        report_rows = con.execute(
            "select count(*) from marts.rpt_progress_by_province "
            "where province_code = '15' and period = ?",
            [truth["period"]],
        ).fetchone()[0]
        all_facts = con.execute("select count(*) from marts.fct_capital_progress").fetchone()[0]
    leaves = sorted((r[0], r[1], r[2] or "", r[3], r[4], r[5]) for r in rows)
    expected = sorted(
        (
            leaf["budget_source"],
            leaf["project_code"],
            leaf["subproject_code"] or "",
            leaf["capital_type"],
            leaf["planned_vnd"],
            leaf["disbursed_vnd"],
        )
        for leaf in truth["leaves"]
    )
    assert leaves == expected
    assert sum(r[4] for r in rows) == truth["totals"]["planned_vnd"]
    assert sum(r[5] for r in rows) == truth["totals"]["disbursed_vnd"]
    assert {(r[6], r[7], r[8], r[9]) for r in rows} == {
        (
            truth["province_code_2025"],
            truth["province_code_as_reported"],
            truth["admin_era"],
            truth["period"],
        )
    }
    assert report_rows == 10  # one row per project in the Steering Committee table
    _assert_beneficiaries_pseudonymised(home, beneficiaries, output)
    assert (home / "reports" / "bao_cao_tien_do_latest.xlsx").exists()
    # the run published the snapshot analysts read: the mart as in the warehouse, no pseudonyms
    snapshot = current_snapshot(Home.resolve(home))
    assert "✓ published/snapshot" in output
    assert snapshot.tables["marts.fct_capital_progress"]["rows"] == all_facts
    assert "marts.fct_beneficiary_support" not in snapshot.tables
    assert snapshot.manifest["run_id"] and snapshot.manifest["dbt_version"]
    assert list((home / "landing" / "inbox").glob("*/*/*.xlsx"))
    assert_reached_the_marts(home, output)


def _assert_beneficiaries_pseudonymised(home, beneficiaries, output: str):
    """Form 02 reaches its mart by pseudonym only: no name or citizen ID in the warehouse."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(beneficiaries).get_sheet_by_index(0).to_python()
    header = next(i for i, r in enumerate(rows) if "STT" in [str(c) for c in r])
    people = [r for r in rows[header + 1 :] if isinstance(r[0], int | float) and r[1]]
    digits = {"".join(ch for ch in str(r[2]) if ch.isdigit()) for r in people}
    secrets = {str(r[1]) for r in people} | {str(r[2]) for r in people} | digits
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_beneficiary_support").fetchone()[0] == (
            len(people)
        )
        text_columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in text_columns:
            values = {
                str(v[0])
                for v in con.execute(f'select distinct "{column}" from {schema}.{table}').fetchall()
            }
            assert not values & secrets, f"personal data in {schema}.{table}.{column}"
    _assert_not_in_outputs(home, secrets, output)


def _assert_not_in_outputs(home, secrets: set[str], output: str) -> None:
    """Nor in what the run hands on or writes down: reports, the quality page, the full log,
    Dagster's event log, the terminal."""
    from python_calamine import CalamineWorkbook

    texts = {"terminal": output}
    for workbook in (home / "reports").glob("*.xlsx"):
        book = CalamineWorkbook.from_path(str(workbook))
        texts[workbook.name] = " ".join(
            str(cell)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
            for cell in row
        )
    for path in [*(home / "reports").rglob("*.html"), *(home / "logs").glob("*.log")]:
        texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
    events = home / "dagster" / "history" / "runs"
    for path in events.rglob("*.db") if events.exists() else []:
        texts[path.name] = path.read_bytes().decode("utf-8", errors="replace")
    assert any(name.endswith(".log") for name in texts), "the run wrote no log"
    for name, text in texts.items():
        found = sorted(s for s in secrets if len(s) > 3 and s in text)
        assert not found, f"personal data in {name}: {len(found)} value(s)"
