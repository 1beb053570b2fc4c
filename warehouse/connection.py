"""Connections to the DuckDB warehouse: one writer at a time, waiting (bounded) for another."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import MtqgError


class WarehouseBusy(MtqgError):
    """The warehouse file is locked by another writer for longer than we wait."""


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait_seconds: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a writer waits (bounded) for another writer's lock to go."""
    path = Path(path)
    if read_only and not path.exists():
        raise MtqgError(f"the warehouse {path} does not exist yet: run `mtqg run` or `mtqg demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another writer: {exc}"
                ) from exc
            time.sleep(0.5)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything in the block commits together, or nothing does."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
