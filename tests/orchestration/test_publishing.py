"""The Dagster steps of publishing, materialised on a small warehouse (no pipeline run): the
snapshot after the report, in the writers' pool, then the PostgreSQL load configured in
publish.yaml (one materialisation for both: ~10 s on an idle machine)."""

from __future__ import annotations

import uuid

import dagster as dg
import pytest
from snapshot_warehouse import DBT_MANIFEST, make_warehouse

from orchestration.publishing.assets import POSTGRES, REPORT, SNAPSHOT, build_publish_assets
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome
from warehouse.snapshots import current_snapshot

psycopg2 = pytest.importorskip("psycopg2")


@pytest.fixture
def database(monkeypatch):
    """A database and an analysts' role of this test's own on 127.0.0.1:5432, dropped after."""
    try:
        admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                                 connect_timeout=5)  # fmt: skip
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432: {exc}")
    admin.autocommit = True
    token = uuid.uuid4().hex[:10]
    name, role = f"mtqg_test_step_{token}", f"mtqg_analyst_{token}"
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    monkeypatch.setenv("MTQG_PG_DATABASE", name)
    try:
        yield name, role
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
            cur.execute(f'drop role if exists "{role}"')
        admin.close()


@pytest.mark.slow  # Dagster materialises two assets: ~10 s idle, 42 s on a loaded machine
def test_the_snapshot_follows_the_report_in_the_writers_pool_then_postgres(home, database):
    name, role = database
    assert [a.key for a in build_publish_assets(home, DBT_MANIFEST)] == [SNAPSHOT]  # no yaml
    (home.root / "publish.yaml").write_text(
        f"keep: 2\npostgres:\n  analyst_role: {role}\n", encoding="utf-8"
    )
    snapshot, postgres = build_publish_assets(home, DBT_MANIFEST)
    deps = {d.asset_key for d in snapshot.specs_by_key[SNAPSHOT].deps}
    assert REPORT in deps and dg.AssetKey(["marts", "fct_capital_progress"]) in deps
    assert dg.AssetKey(["quality", "reporting_rates"]) in deps
    assert dg.AssetKey(["marts", "fct_beneficiary_support"]) not in deps  # never published
    assert snapshot.op.pool == WAREHOUSE_WRITER_POOL  # it reads the writer's file
    assert {d.asset_key for d in postgres.specs_by_key[POSTGRES].deps} == {SNAPSHOT}
    make_warehouse(home.warehouse)

    result = dg.materialize([snapshot, postgres], resources={"mtqg": MtqgHome(root=str(home.root))})

    assert result.success
    published = current_snapshot(home)
    assert published.manifest["run_id"] == result.run_id
    assert published.tables["marts.fct_capital_progress"]["rows"] == 3
    analyst = psycopg2.connect(host="127.0.0.1", user=role, dbname=name)
    with analyst, analyst.cursor() as cur:
        cur.execute("select count(*) from marts.fct_capital_progress")
        assert cur.fetchone() == (3,)
    analyst.close()
