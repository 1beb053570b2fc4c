"""The instance on PostgreSQL (MTQG_DAGSTER_POSTGRES_URL): runs, events and pools stored there."""

from __future__ import annotations

import uuid

import dagster as dg
import pytest

from orchestration.instance import POSTGRES_URL_ENV, ensure_instance
from orchestration.resources import WAREHOUSE_WRITER_POOL

psycopg2 = pytest.importorskip("psycopg2")
SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@pytest.fixture
def postgres_url():
    """A fresh database on the machine's PostgreSQL for this test, dropped afterwards."""
    name = f"mtqg_dagster_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **SERVER)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 for user postgres ({exc})")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@dg.asset(pool=WAREHOUSE_WRITER_POOL)
def pinged() -> int:
    return 1


def test_runs_events_and_pools_go_to_postgres_when_configured(home, postgres_url, monkeypatch):
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))  # ensure_instance sets it
    instance = ensure_instance(home)
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        # the URL (which may hold a password) is named by its variable, never written out
        assert postgres_url not in (home.dagster_home / "dagster.yaml").read_text()

        result = dg.materialize([pinged], instance=instance)
        assert result.success
        events = instance.event_log_storage
        assert events.supports_global_concurrency_limits
        assert events.get_concurrency_info(WAREHOUSE_WRITER_POOL).slot_count == 1
    finally:
        instance.dispose()

    name = postgres_url.rsplit("/", 1)[1]
    with psycopg2.connect(dbname=name, **SERVER) as con, con.cursor() as cursor:
        cursor.execute("select status from runs where run_id = %s", [result.run_id])
        assert cursor.fetchone() == ("SUCCESS",)
    con.close()


def test_without_the_variable_the_instance_stays_in_the_home(home, monkeypatch):
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    instance = ensure_instance(home)
    try:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert "postgres" not in (home.dagster_home / "dagster.yaml").read_text()
    finally:
        instance.dispose()


def test_a_url_that_is_not_postgres_is_refused_without_showing_it(home, monkeypatch):
    from core.errors import ConfigError

    monkeypatch.setenv(POSTGRES_URL_ENV, "mysql://dagster:Secret-Pw@db.example/dagster")
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    with pytest.raises(ConfigError, match=POSTGRES_URL_ENV) as error:
        ensure_instance(home)
    assert "Secret-Pw" not in str(error.value)
