"""Published snapshots: what analysts read while the pipeline writes (warehouse/snapshots.py).

The warehouse is a small DuckDB file made here (no pipeline run, no dbt): marts, quality tables
with and without personal data, and raw rows, so what a snapshot keeps out can be seen.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from snapshot_warehouse import DBT_MANIFEST, HOSTILE, PUBLISHED, make_warehouse
from typer.testing import CliRunner

from core.text import csv_safe
from orchestration.cli import app
from warehouse.connection import WarehouseBusy, connect
from warehouse.publish_files import export_tables
from warehouse.snapshots import (
    SnapshotMissing,
    SnapshotRefused,
    current_snapshot,
    publish_snapshot,
    snapshots,
)

runner = CliRunner()


@pytest.fixture
def published(home):
    make_warehouse(home.warehouse)
    return publish_snapshot(home, run_id="run-1", dbt_manifest=DBT_MANIFEST, keep=3)


def test_a_snapshot_holds_the_analysts_tables_with_a_manifest(home, published):
    assert set(published.tables) == PUBLISHED  # no raw, no pseudonyms, no file names
    manifest = json.loads((home.root / "published" / "current" / "manifest.json").read_text())
    assert manifest == published.manifest
    assert manifest["run_id"] == "run-1" and manifest["dbt_version"].startswith("1.11")
    assert manifest["tables"]["marts.fct_capital_progress"]["rows"] == 3
    assert manifest["tables"]["marts.dim_province"]["description"].startswith("Provinces of")
    with duckdb.connect(str(published.database), read_only=True) as con:
        tables = {r[0] for r in con.execute("select schema_name || '.' || table_name "
                                            "from duckdb_tables()").fetchall()}  # fmt: skip
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where table_name = 'fct_capital_progress'"
            ).fetchall()
        )
    assert tables == PUBLISHED
    assert types["loaded_at"] == "TIMESTAMP WITH TIME ZONE" and types["planned_vnd"] == "BIGINT"
    for name, entry in manifest["tables"].items():
        parquet = published.path / entry["file"]
        assert pq.read_metadata(parquet).num_rows == entry["rows"], name
        assert not parquet.stat().st_mode & 0o222, "published files are read-only"


def test_current_switches_and_the_newest_n_are_kept(home, published):
    names = []
    for n in range(2, 6):
        snapshot = publish_snapshot(home, run_id=f"run-{n}", keep=3)
        names.append(snapshot.path.name)
    assert [p.name for p in snapshots(home)] == names[-3:]
    assert current_snapshot(home).manifest["run_id"] == "run-5"
    assert (home.root / "published" / "current").readlink() == Path(names[-1])


def test_a_personal_data_column_stops_the_snapshot_and_the_previous_stays(home, published):
    with connect(home.warehouse) as con:
        con.execute("create table marts.dim_contact as select '0912345678' as phone")

    with pytest.raises(SnapshotRefused, match=r"marts.dim_contact has column\(s\) phone"):
        publish_snapshot(home, run_id="run-2")

    assert current_snapshot(home).path == published.path
    assert [p.name for p in snapshots(home)] == [published.path.name]
    assert not list((home.root / "published").glob(".building-*"))


def test_without_a_snapshot_readers_are_told_what_to_do(home):
    with pytest.raises(SnapshotMissing, match="mtqg run"):
        current_snapshot(home)


# --- readers and the writer never stop each other ------------------------------------------

_HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print(con.execute(sys.argv[3]).fetchone()[0], flush=True)
for line in sys.stdin:                       # each line: run the query again, print the answer
    print(con.execute(sys.argv[3]).fetchone()[0], flush=True)
"""


def _hold(path: Path, mode: str, query: str) -> tuple[subprocess.Popen, str]:
    """Another process holding `path` open (for writing, or reading), and its first answer."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode, query],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip()


def test_sql_answers_from_the_snapshot_while_a_run_holds_the_warehouse(home, published):
    # Python's first-call imports are not the answer's latency: the command runs once before.
    assert runner.invoke(app, ["sql", "select 1", "--home", str(home.root)]).exit_code == 0
    writer, answer = _hold(home.warehouse, "write", "select count(*) from marts.dim_province")
    try:
        assert answer == "3"
        with pytest.raises(WarehouseBusy), connect(home.warehouse, read_only=True, wait_seconds=0):
            pass  # the run's process holds the file: nobody else may open it, even to read
        started = time.monotonic()
        result = runner.invoke(
            app,
            ["sql", "select sum(disbursed_vnd) from marts.fct_capital_progress",
             "--format", "csv", "--home", str(home.root)],
        )  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        writer.kill()
        writer.wait()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "3000000000"
    assert elapsed < 1.0, f"mtqg sql took {elapsed:.2f} s while the warehouse was held"


def test_an_open_analyst_connection_never_stops_a_run(home, published, monkeypatch):
    monkeypatch.setenv("MTQG_WAREHOUSE_WAIT_SECONDS", "0")  # a held lock would fail at once
    snapshot_db = published.database
    reader, answer = _hold(snapshot_db, "read", "select sum(disbursed_vnd) "
                           "from marts.fct_capital_progress")  # fmt: skip
    try:
        assert answer == "3000000000"
        make_warehouse(home.warehouse, disbursed=2_000_000_000)  # the run writes…
        newer = publish_snapshot(home, run_id="run-2", keep=1)  # …publishes, prunes the held one
        assert not published.path.exists()
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3000000000"  # still reads what it opened
    finally:
        reader.kill()
        reader.wait()
    result = runner.invoke(app, ["sql", "select sum(disbursed_vnd) from marts.fct_capital_progress",
                                 "--format", "csv", "--home", str(home.root)])  # fmt: skip
    assert result.output.splitlines()[1] == "6000000000"
    assert current_snapshot(home).path == newer.path


# --- exports ------------------------------------------------------------------------------------


def test_parquet_export_has_the_manifests_row_counts(home, published, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["export", "--all", "--format", "parquet", "--out", str(out), "--home", str(home.root)]
    )
    assert result.exit_code == 0, result.output
    counts = {p.name.removesuffix(".parquet"): pq.read_metadata(p).num_rows
              for p in out.glob("*.parquet")}  # fmt: skip
    assert counts == {name: entry["rows"] for name, entry in published.tables.items()}


def test_csv_and_xlsx_exports_write_formulas_as_text(home, published, tmp_path):
    names = ["marts.dim_province"]
    [as_csv] = export_tables(published, names, "csv", tmp_path)
    [as_xlsx] = export_tables(published, names, "xlsx", tmp_path)

    with open(as_csv.path, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["province_key", "admin_era", "province_code", "province_name"]
    assert [r[3] for r in rows[1:]] == [csv_safe("Lào Cai"), "'+Quảng Ngãi", "'" + HOSTILE]
    sheet = CalamineWorkbook.from_path(str(as_xlsx.path)).get_sheet_by_index(0).to_python()
    assert [r[3] for r in sheet[1:]] == ["Lào Cai", "+Quảng Ngãi", HOSTILE]
    with zipfile.ZipFile(as_xlsx.path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and xml.count('t="inlineStr"') == 16  # every text a string cell
    with pytest.raises(Exception, match=r"no table marts\.fct_beneficiary_support"):
        export_tables(published, ["marts.fct_beneficiary_support"], "csv", tmp_path)
