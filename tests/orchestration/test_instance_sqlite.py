"""A home's Dagster instance on SQLite commits its events without waiting for the disk."""

from __future__ import annotations

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
