"""The one builder of the dbt tests' small warehouses: rows of the raw and quality tables as the
loader and the gate write them, inserted through the tables' declared schemas, and dbt run on
them.

Every dbt invocation of the tests works on `<folder>/warehouse.duckdb`, named to dbt by a path
relative to the folder it runs in. dbt keys its parse state on the warehouse path, so with one
path for all, the state of the first whole parse (per project content and target) is reused by
every later invocation instead of parsing the project again (~2.5 CPU-s each).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.tables import declared_tables, ensure_tables

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
WAREHOUSE = "warehouse.duckdb"  # relative to the folder dbt runs in
PARSE_STATE = "partial_parse.msgpack"
_PARSE_CACHE = Path(tempfile.gettempdir()) / f"mtqg-test-dbt-parse-{os.getuid()}"
_PROJECT_PARTS = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """A moment of April 2026 (UTC), when the test deliveries arrive."""
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC)


def batch(
    batch_id: str,
    dataset: str,
    loaded_at: datetime,
    kind: str = "inbox",
    *,
    source: str | None = None,
    name: str | None = None,
    sha: str | None = None,
    rows: int = 1,
) -> dict:
    """A row of raw.batches (source defaults to the kind)."""
    return {
        "batch_id": batch_id,
        "source": source or kind,
        "source_kind": kind,
        "dataset": dataset,
        "source_file_sha256": sha,
        "original_name": name,
        "rows_read": rows,
        "rows_loaded": rows,
        "loaded_at": loaded_at,
    }


def verdict(
    batch_id: str,
    status: str,
    gated_at: datetime,
    *,
    dataset: str | None = None,
    source: str | None = None,
    reasons: str | None = None,
    name: str | None = None,
    sha: str | None = None,
) -> dict:
    """A row of quality.batch_status: the gate's verdict on a batch, judged when it arrived."""
    return {
        "batch_id": batch_id,
        "source": source,
        "dataset": dataset,
        "source_file_sha256": sha,
        "original_name": name,
        "status": status,
        "reasons": reasons,
        "loaded_at": gated_at,
        "gated_at": gated_at,
    }


def report_line(batch_id, era, code, code_2025, period, end, project, sub, row, plan, paid) -> dict:
    """A leaf line of a Form 01 report (all central investment capital, in millions)."""
    return {
        "batch_id": batch_id,
        "source_file_sha256": batch_id,
        "report_index": 0,
        "form": "form01",
        "province_name": "Kon Tum" if era == "2008" else "Quảng Ngãi",
        "admin_era": era,
        "province_code_as_reported": code,
        "province_code_2025": code_2025,
        "period": period,
        "period_end_date": end,
        "unit": "triệu đồng",
        "unit_vnd": 1_000_000,
        "tolerance_vnd": 1_000,
        "source_sheet": "Bieu01",
        "source_row": row,
        "line_kind": "subproject" if sub else "project",
        "is_leaf": True,
        "budget_source": "central",
        "project_code": project,
        "subproject_code": sub,
        "label": project,
        "planned_total_vnd": plan,
        "planned_investment_vnd": plan,
        "planned_recurrent_vnd": 0,
        "disbursed_total_vnd": paid,
        "disbursed_investment_vnd": paid,
        "disbursed_recurrent_vnd": 0,
    }


def transaction(identifier, index, type_code, day, value, currency, batch_id) -> dict:
    """A row of raw.iati_transactions (or the datastore's)."""
    return {
        "iati_identifier": identifier,
        "transaction_index": index,
        "transaction_type_code": type_code,
        "transaction_date": day,
        "value": Decimal(value),
        "currency": currency,
        "value_date": day,
        "batch_id": batch_id,
    }


def accepted(delivery: dict[str, list[dict]], gated_at: datetime) -> dict[str, list[dict]]:
    """Every batch of a delivery passed the gate (the marts read accepted batches only), and
    each provincial batch says how many report rows it loaded (row conservation is checked)."""
    statuses = [
        {
            "batch_id": b["batch_id"],
            "status": "accepted",
            "loaded_at": gated_at,
            "gated_at": gated_at,
        }
        for b in delivery["raw.batches"]
    ]
    lines = Counter(r["batch_id"] for r in delivery.get("raw.provincial_report_lines", []))
    batches = [
        {**b, "rows_read": lines[b["batch_id"]], "rows_loaded": lines[b["batch_id"]]}
        if b["dataset"] == "form01"
        else b
        for b in delivery["raw.batches"]
    ]
    return {**delivery, "raw.batches": batches, "quality.batch_status": statuses}


def insert(con: duckdb.DuckDBPyConnection, delivery: dict[str, list[dict]]) -> None:
    """Rows into their tables; a column a row does not name is null."""
    for table, rows in delivery.items():
        schema = declared_tables()[table]
        full = [{**dict.fromkeys(schema.names), **row} for row in rows]
        arrow = pa.Table.from_pylist(full, schema=schema)  # noqa: F841 - read by DuckDB
        con.execute(f"insert into {table} by name select * from arrow")


def make_warehouse(folder: Path, *deliveries: dict[str, list[dict]]) -> Path:
    """`<folder>/warehouse.duckdb` with the declared tables and the deliveries' rows."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WAREHOUSE
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        for delivery in deliveries:
            insert(con, delivery)
    return path


def dbt(
    folder: Path, *args: str, env: dict[str, str] | None = None, project: Path = PROJECT
) -> subprocess.CompletedProcess:
    """dbt on `<folder>/warehouse.duckdb` (or the target `env` names), its target and logs in
    the folder; asserts it succeeded (every model built and every selected data test passed)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"MTQG_WAREHOUSE": WAREHOUSE, "MTQG_DBT_TARGET": "duckdb", **(env or {})}
    state = folder / "target" / PARSE_STATE
    cached = _cached_parse(project, env)
    if cached is not None and cached.is_file() and not state.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cached, state)
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
    ]
    done = subprocess.run(
        command,
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    if cached is not None and not cached.is_file() and state.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}")
        shutil.copy(state, partial)
        partial.replace(cached)  # whole or not at all: another worker may read it
    return done


def _cached_parse(project: Path, env: dict[str, str]) -> Path | None:
    """Where the parse state of this project's content and this profile is kept; None when it
    cannot be shared (PostgreSQL: each test has a database of its own, so a profile of its own)."""
    if env.get("MTQG_DBT_TARGET") != "duckdb" or env.get("MTQG_WAREHOUSE") != WAREHOUSE:
        return None
    digest = hashlib.sha256(f"{project.resolve()}|{_dbt_version()}".encode())
    for part in _PROJECT_PARTS:
        root = project / part
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(project)).encode() + b"\0")
                digest.update(path.read_bytes())
    return _PARSE_CACHE / f"{digest.hexdigest()[:32]}.msgpack"


def _dbt_version() -> str:
    from importlib.metadata import version

    return f"{version('dbt-core')}-{version('dbt-duckdb')}"
