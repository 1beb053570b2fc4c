"""`mtqg publish --postgres` against the machine's PostgreSQL: one transaction per publish, a
read-only analysts' role that reads the marts and nothing else, and a publish that fails half-way
leaves the previous marts in place.

Each module run gets its own database and its own role (other helpers share the server).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from snapshot_warehouse import DBT_MANIFEST, make_warehouse
from typer.testing import CliRunner

from orchestration.cli import app
from warehouse.publish_config import PostgresPublish
from warehouse.publish_postgres import PublishFailed, publish_to_postgres
from warehouse.snapshots import publish_snapshot

psycopg2 = pytest.importorskip("psycopg2")
PSQL = shutil.which("psql")
runner = CliRunner()


def _admin(database: str = "postgres"):
    try:
        con = psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname=database, connect_timeout=5
        )
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432: {exc}")
    con.autocommit = True
    return con


@pytest.fixture(scope="module")
def server():
    """A database and an analysts' role of this module's own; both dropped after."""
    token = uuid.uuid4().hex[:10]
    database, role = f"mtqg_test_publish_{token}", f"mtqg_analyst_{token}"
    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f'create database "{database}"')
    try:
        yield database, role
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{database}" with (force)')
            cur.execute(f'drop role if exists "{role}"')
        admin.close()


@pytest.fixture
def env(server, monkeypatch):
    database, role = server
    for name, value in {
        "MTQG_PG_HOST": "127.0.0.1",
        "MTQG_PG_PORT": "5432",
        "MTQG_PG_USER": "postgres",
        "MTQG_PG_PASSWORD": "",
        "MTQG_PG_DATABASE": database,
    }.items():
        monkeypatch.setenv(name, value)
    return database, role


def _psql(database: str, role: str, query: str) -> subprocess.CompletedProcess:
    """`psql` as `role`, one statement, unaligned output."""
    if PSQL is None:
        pytest.skip("psql is not installed")
    return subprocess.run(
        [PSQL, "-h", "127.0.0.1", "-U", role, "-d", database, "-X", "-At",
         "-v", "ON_ERROR_STOP=1", "-c", query],
        capture_output=True, text=True, timeout=30,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )  # fmt: skip


def test_the_analyst_reads_every_mart_and_nothing_else(home, env):
    database, role = env
    make_warehouse(home.warehouse)
    snapshot = publish_snapshot(home, run_id="run-1", dbt_manifest=DBT_MANIFEST)
    (home.root / "publish.yaml").write_text(
        f"postgres:\n  schema: marts\n  analyst_role: {role}\n", encoding="utf-8"
    )
    # What a dbt build on PostgreSQL (or anyone) may have left in the same database.
    admin = _admin(database)
    with admin.cursor() as cur:
        cur.execute(
            "create schema raw; create schema quality;"
            "create table raw.beneficiary_support_lines as select 'Lò Văn B' as head_of_household;"
            "create table quality.batch_status as select 'ds_0912345678.xlsx' as original_name;"
            "create table public.notes as select 1 as n"
        )
    admin.close()

    result = runner.invoke(app, ["publish", "--postgres", "--home", str(home.root)])

    assert result.exit_code == 0, result.output
    marts = [name for name in snapshot.tables if name.startswith("marts.")]
    assert marts == ["marts.dim_province", "marts.fct_capital_progress"]
    for name in marts:
        read = _psql(database, role, f"select count(*) from {name}")
        assert read.returncode == 0, read.stderr
        assert int(read.stdout) == snapshot.tables[name]["rows"]
    for forbidden in ("raw.beneficiary_support_lines", "quality.batch_status", "public.notes"):
        refused = _psql(database, role, f"select * from {forbidden}")
        assert refused.returncode != 0 and "permission denied" in refused.stderr, forbidden
    for write in (
        "insert into marts.dim_province (province_key) values ('x')",
        "begin read write; delete from marts.fct_capital_progress; commit",
        "begin read write; create table marts.mine (a int); commit",
        "begin read write; create table public.mine (a int); commit",
        "begin read write; drop table marts.dim_province; commit",
    ):
        refused = _psql(database, role, write)
        assert refused.returncode != 0, write
        assert (
            "read-only" in refused.stderr
            or "permission denied" in refused.stderr
            or ("must be owner" in refused.stderr)
        ), refused.stderr
    # the dbt docs became comments
    comment = _psql(database, role, "select obj_description('marts.dim_province'::regclass)")
    assert comment.stdout.startswith("Provinces of both administrative eras")


def test_a_publish_that_fails_half_way_leaves_the_previous_marts(home, env):
    database, role = env
    config = PostgresPublish(schema="marts", analyst_role=role)
    make_warehouse(home.warehouse, disbursed=1_000_000_000)
    publish_to_postgres(publish_snapshot(home, run_id="run-1"), config)
    make_warehouse(home.warehouse, disbursed=7_000_000_000)
    newer = publish_snapshot(home, run_id="run-2")
    # The second table (in load order) is damaged after it was published: the first is loaded,
    # then the load of the second raises.
    damaged = newer.parquet("marts.fct_capital_progress")
    os.chmod(damaged, 0o644)
    damaged.write_bytes(damaged.read_bytes()[:-40])

    with pytest.raises(PublishFailed, match=r"while loading marts\.fct_capital_progress"):
        publish_to_postgres(newer, config)

    read = _psql(database, role, "select sum(disbursed_vnd) from marts.fct_capital_progress")
    assert read.returncode == 0, read.stderr
    assert int(read.stdout) == 3_000_000_000  # run-1's marts, whole
    leftovers = _psql(database, "postgres", "select count(*) from pg_namespace "
                      "where nspname in ('mtqg_incoming', 'mtqg_retired')")  # fmt: skip
    assert leftovers.stdout.strip() == "0"
