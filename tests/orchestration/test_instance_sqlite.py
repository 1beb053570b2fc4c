"""A home's Dagster instance on SQLite commits its events without waiting for the disk."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from orchestration import instance as instance_module
from orchestration.instance import POSTGRES_URL_ENV, ensure_instance


def test_every_storage_connection_commits_without_fsync_in_wal(home, monkeypatch):
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    # as a new process would start: no listener yet (another test may have opened an instance)
    if event.contains(Engine, "connect", instance_module._sqlite_synchronous_normal):
        event.remove(Engine, "connect", instance_module._sqlite_synchronous_normal)
    instance = ensure_instance(home, recover=False)
    try:
        with instance.event_log_storage.index_connection() as conn:
            assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        with instance.run_storage.connect() as conn:
            assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1
    finally:
        instance.dispose()


def _store_engine_events(instance, count: int) -> None:
    for n in range(count):
        instance.report_engine_event(f"event {n}", job_name="job", run_id="run-kept-open")


def test_an_event_s_connection_closing_does_not_checkpoint_the_journal(home, monkeypatch):
    """Dagster opens and closes a connection per event; the last close of a WAL database
    checkpoints it (fsyncs) and deletes its journal. This process keeps one idle connection
    per database, so the journal stays between events, and is checkpointed at the end."""
    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    instance_module.close_kept_sqlite()
    instance = ensure_instance(home, recover=False)
    try:
        _store_engine_events(instance, 3)
        shard = home.dagster_home / "history" / "runs" / "run-kept-open.db"
        journal = shard.with_name(shard.name + "-wal")
        assert shard.exists()
        assert journal.exists() and journal.stat().st_size > 0  # not checkpointed away
        assert str(shard) in instance_module._KEEPERS
        assert len(instance.all_logs("run-kept-open")) == 3
    finally:
        instance.dispose()
        instance_module.close_kept_sqlite()
    assert not journal.exists()  # the last close checkpointed it
    reopened = ensure_instance(home, recover=False)
    try:
        assert len(reopened.all_logs("run-kept-open")) == 3
    finally:
        reopened.dispose()
        instance_module.close_kept_sqlite()


def test_only_the_last_few_databases_are_kept_open(tmp_path):
    import sqlite3

    instance_module.close_kept_sqlite()
    engines = []
    try:
        for n in range(instance_module.MAX_KEPT_DATABASES + 3):
            path = tmp_path / f"db{n}.db"
            with sqlite3.connect(path) as setup:
                setup.execute("PRAGMA journal_mode=WAL")
            engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engines.append(engine)
        kept = list(instance_module._KEEPERS)
        assert len(kept) == instance_module.MAX_KEPT_DATABASES
        assert kept[-1] == str(tmp_path / f"db{len(engines) - 1}.db")
        assert str(tmp_path / "db0.db") not in kept
    finally:
        instance_module.close_kept_sqlite()


DAEMON_LIKE = """
import sys
import dagster as dg
import sqlalchemy as sa

instance = dg.DagsterInstance.from_config(sys.argv[1])
instance.run_coordinator  # what the daemon loads first, to know whether it queues runs
with instance.event_log_storage.index_connection() as conn:
    print(conn.execute(sa.text("PRAGMA synchronous")).scalar())
"""


def test_the_daemon_s_storages_commit_without_fsync_too(home, monkeypatch):
    """The daemon stores each new run's planned events; it never imports the definitions,
    but dagster.yaml's run coordinator brings it the same setting."""
    import subprocess
    import sys

    monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    ensure_instance(home, recover=False).dispose()
    env = {k: v for k, v in os.environ.items() if k not in ("MTQG_HOME",)}
    env["DAGSTER_HOME"] = str(home.dagster_home)
    shown = subprocess.run(
        [sys.executable, "-c", DAEMON_LIKE, str(home.dagster_home)],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.root,
        check=True,
        timeout=120,
    )
    assert shown.stdout.strip().splitlines()[-1] == "1"  # NORMAL (SQLite's default is FULL, 2)
