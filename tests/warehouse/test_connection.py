"""A reader in another process (an analyst's DuckDB, DBeaver) holds the warehouse: a writer
waits for it, and when it holds on too long the writer's error says whose lock and what to do."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from core.errors import ConfigError
from warehouse.connection import WAIT_SECONDS_ENV, WarehouseBusy, connect, wait_seconds_from_env

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(*) from t").fetchone()[0], flush=True)
sys.stdin.readline()  # hold the connection until told to close
con.close()
print("closed", flush=True)
"""


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as x")
    return path


@contextmanager
def reader_process(path: Path) -> Iterator[subprocess.Popen]:
    """Another process holding a read-only connection until its stdin gets a line."""
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"  # it holds the file now
        yield reader
    finally:
        if reader.poll() is None:
            reader.kill()
        reader.wait(timeout=10)


def release(reader: subprocess.Popen) -> None:
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "closed"


def test_a_writer_waits_for_a_reader_of_another_process_then_writes(warehouse, monkeypatch):
    monkeypatch.setenv(WAIT_SECONDS_ENV, "30")
    with reader_process(warehouse) as reader:
        timer = threading.Timer(1.5, release, args=[reader])
        timer.start()
        started = time.monotonic()
        try:
            with connect(warehouse) as con:
                waited = time.monotonic() - started
                con.execute("insert into t values (2)")
        finally:
            timer.cancel()
            timer.join()
    assert 1.0 < waited < 15, waited
    with connect(warehouse, read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone()[0] == 2


def test_a_reader_holding_longer_than_the_wait_gets_an_actionable_error(warehouse, monkeypatch):
    monkeypatch.setenv(WAIT_SECONDS_ENV, "1")
    with reader_process(warehouse) as reader:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as error, connect(warehouse):
            pass
        waited = time.monotonic() - started
        message = str(error.value)
        assert 0.9 < waited < 5, waited
        assert str(warehouse) in message  # which warehouse
        assert f"process {reader.pid}" in message  # who holds it
        assert "python" in message
        assert "Close the connection" in message and "DBeaver" in message  # what to do
        assert "run the mtqg command again" in message
        assert WAIT_SECONDS_ENV in message
        assert "1 s" in message
        # DuckDB's own advice (open it read-only) does not help a writer: not repeated
        assert "read-only mode" not in message
        release(reader)
    with connect(warehouse) as con:  # nothing was damaged: it opens and holds its row
        assert con.execute("select x from t").fetchall() == [(1,)]


def test_the_argument_overrides_the_environment(warehouse, monkeypatch):
    monkeypatch.setenv(WAIT_SECONDS_ENV, "600")
    with (
        reader_process(warehouse),
        pytest.raises(WarehouseBusy, match=r"within 0\.5 s"),
        connect(warehouse, wait_seconds=0.5),
    ):
        pass


def test_the_wait_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.delenv(WAIT_SECONDS_ENV, raising=False)
    assert wait_seconds_from_env() == 60.0
    monkeypatch.setenv(WAIT_SECONDS_ENV, "2.5")
    assert wait_seconds_from_env() == 2.5
    for wrong in ("soon", "-1", "nan"):
        monkeypatch.setenv(WAIT_SECONDS_ENV, wrong)
        with pytest.raises(ConfigError, match=WAIT_SECONDS_ENV):
            wait_seconds_from_env()


def test_dbt_waits_for_a_reader_to_close_instead_of_failing(warehouse):
    """dbt opens the file itself and would fail on a held lock: its step first waits."""
    from warehouse.connection import wait_until_writable

    with reader_process(warehouse) as reader:
        threading.Timer(1.0, release, [reader]).start()
        started = time.monotonic()
        wait_until_writable(warehouse)
        assert time.monotonic() - started >= 0.9
    with duckdb.connect(str(warehouse)) as con:  # a writer (dbt) can open it now
        assert con.execute("select count(*) from t").fetchone() == (1,)
